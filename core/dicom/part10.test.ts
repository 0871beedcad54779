import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaHeaderEnd } from '../fixtures/dicom-writer';
import { writePhantomSeries } from '../fixtures/phantom';
import { asPart10 } from './part10';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-part10-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('asPart10', () => {
  it('leaves Part 10 files and non-DICOM bytes untouched', async () => {
    const [file] = await writePhantomSeries(path.join(workDir, 'p10'), { slices: 1, rows: 8, columns: 8 });
    const bytes = await readFile(file);
    expect(asPart10(bytes)).toBe(bytes);
    const text = Buffer.from('not dicom at all, just text that is long enough to have 132 bytes '.repeat(3));
    expect(asPart10(text)).toBe(text);
  });

  it.each(['implicit-le', 'explicit-le', 'explicit-be'] as const)('wraps a bare %s data set so a plain Part 10 parse reads it', async (syntax) => {
    const [file] = await writePhantomSeries(path.join(workDir, syntax), { slices: 1, rows: 8, columns: 8, transferSyntax: syntax });
    const original = await readFile(file);
    const bare = original.subarray(metaHeaderEnd(original));
    const wrapped = asPart10(bare);
    // No transfer syntax given: exactly how cornerstone's loader parses what the host serves.
    const dataSet = dicomParser.parseDicom(wrapped);
    const reference = dicomParser.parseDicom(original);
    expect(dataSet.string('x00020010')).toBe(reference.string('x00020010'));
    expect(dataSet.string('x00020003')).toBe(reference.string('x00080018'));
    expect(dataSet.uint16('x00280010')).toBe(8);
    const pixels = (ds: typeof dataSet): Uint8Array => {
      const e = ds.elements.x7fe00010;
      return Uint8Array.from(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length));
    };
    expect(pixels(dataSet)).toEqual(pixels(reference));
  });
});
