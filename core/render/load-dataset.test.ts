import { describe, expect, it } from 'vitest';
import { metaHeaderEnd } from '../fixtures/dicom-writer';
import { readMeta } from './load-dataset';
import { imageFixture } from './render-fixtures';

describe('readMeta', () => {
  it('stops at the meta group length: bytes after it (a deflated body) are never parsed as an element', async () => {
    const file = imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, syntax: 'deflate', frames: [[1]] });
    const end = metaHeaderEnd(file);
    // A body whose first bytes read, as an explicit VR element, like a sequence with a broken item:
    // dicom-parser's readPart10Header on the whole file throws on it ("item tag (FFFE,E000) not found").
    const body = Buffer.from([0x08, 0x00, 0x05, 0x00, 0x53, 0x51, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04]);
    const bytes = Buffer.concat([file.subarray(0, end), body]);
    expect(readMeta(bytes)).toEqual({ transferSyntaxUid: '1.2.840.10008.1.2.1.99', dataSetStart: end });
  });
});
