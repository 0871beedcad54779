import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { colourBarsFixture } from '../fixtures/colour-bars';
import { fixedUid } from '../fixtures/dicom-writer';
import { imageFixture } from '../render/render-fixtures';
import { deflatedToExplicit } from './deflated-to-explicit';
import { EXPLICIT_LE } from './transfer-syntax';

const inflate = (deflated: Uint8Array): Uint8Array => inflateRawSync(deflated);

const pixelsOf = (dataSet: dicomParser.DataSet): number[] => {
  const element = dataSet.elements.x7fe00010;
  return Array.from(dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length));
};

describe('deflatedToExplicit', () => {
  it('gives the same data set in Explicit VR Little Endian, the meta group length recounted', () => {
    const frame = Array.from({ length: 64 }, (_, p) => (p * 37) % 256);
    const spec = { rows: 8, columns: 8, bitsAllocated: 8 as const, frames: [frame], extra: { SOPInstanceUID: fixedUid(1, 3), StudyInstanceUID: fixedUid(1, 1), SeriesInstanceUID: fixedUid(1, 2) } };
    const explicit = dicomParser.parseDicom(Buffer.from(deflatedToExplicit(imageFixture({ ...spec, syntax: 'deflate' }), inflate)));
    const reference = dicomParser.parseDicom(imageFixture({ ...spec, syntax: 'explicit-le' }));
    expect(explicit.string('x00020010')).toBe(EXPLICIT_LE);
    // The group length says where the meta header ends: the first data set element starts right there.
    const metaEnd = 144 + (explicit.uint32('x00020000') ?? 0);
    expect(Math.min(...Object.values(explicit.elements).filter((e) => !e.tag.startsWith('x0002')).map((e) => e.dataOffset - 8))).toBe(metaEnd);
    for (const tag of ['x00080018', 'x0020000d', 'x00280010', 'x00280100']) expect(explicit.string(tag)).toBe(reference.string(tag));
    expect(pixelsOf(explicit)).toEqual(frame);
  });

  it('reads a file whose compressed bytes dicom-parser takes for a broken sequence', () => {
    // The seed-36 file of file-meta.test.ts: dicom-parser throws on it as it is.
    const file = colourBarsFixture({
      bitsAllocated: 32, syntax: 'deflate', planarConfiguration: 0, rows: 64, columns: 64,
      extra: { StudyInstanceUID: fixedUid(36, 1), SeriesInstanceUID: fixedUid(36, 2), SOPInstanceUID: fixedUid(36, 3) },
    });
    expect(() => dicomParser.parseDicom(file, { inflater: (bytes: Uint8Array, at: number) => Buffer.concat([bytes.subarray(0, at), inflateRawSync(bytes.subarray(at))]) })).toThrow();
    const explicit = dicomParser.parseDicom(Buffer.from(deflatedToExplicit(file, inflate)));
    expect(explicit.string('x00080018')).toBe(fixedUid(36, 3));
    expect(explicit.elements.x7fe00010.length).toBe(64 * 64 * 3 * 4);
  });

  it('refuses what is not a deflated Part 10 file, naming why', () => {
    const plain = imageFixture({ rows: 1, columns: 1, bitsAllocated: 8, frames: [[1]] });
    expect(() => deflatedToExplicit(plain, inflate)).toThrow(/not 1\.2\.840\.10008\.1\.2\.1\.99/);
    expect(() => deflatedToExplicit(plain.subarray(132), inflate)).toThrow(/DICM/);
    expect(() => deflatedToExplicit(plain.subarray(0, 150), inflate)).toThrow(/meta header cannot be read/);
  });
});
