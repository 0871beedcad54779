// Defects the fuzz run (core/fuzz) found in the mask readers, each with a generated file: bounded
// time, bounded memory, the exact reason.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { elementSites, writeLength } from '../fuzz/dicom-sites';
import { cpuMsSince, withinMemory } from '../fuzz/memory-bound';
import { deflatedSegBomb, manySegments, segmentsOnOwnSlices } from '../fuzz/special';
import { labelPng, niftiFile, rawPng, segFile } from './mask-fixtures';
import { readMaskFile } from './read-mask';
import { scratchFolder } from '../fixtures/scratch-folder';

const scratch = scratchFolder('mask-fuzz-regressions');
const written = scratch.write;

/** The reason readMaskFile refuses `bytes` with (the path is not repeated in it). */
async function refusal(name: string, bytes: Uint8Array): Promise<string> {
  const file = await written(name, bytes);
  try {
    await readMaskFile(file);
  } catch (e) {
    expect((e as Error).message).toBe(`${file}: ${(e as { reason: string }).reason}`);
    return (e as { reason: string }).reason;
  }
  throw new Error(`${name} was read, not refused`);
}


describe('DICOM SEG limits', () => {
  // First in this file: the memory bounds read the process's high-water mark.
  it('a deflated SEG of 3 MB inflating to 3 GiB before its pixel data: refused at the 128 MiB header cap', async () => {
    const bomb = deflatedSegBomb(3072);
    const cpuBefore = process.cpuUsage();
    const reason = await withinMemory(700, () => refusal(bomb.name, bomb.bytes));
    expect(cpuMsSince(cpuBefore)).toBeLessThan(8000);
    expect(reason).toBe('deflated data set inflates to more than 128 MiB before its pixel data (the limit for a SEG header); refused (a decompression bomb or a garbled stream)');
  });

  it('a deflated SEG whose stream goes on for 3 GiB after its pixel data: refused past what its header declares', async () => {
    const bomb = deflatedSegBomb(3072, true);
    const cpuBefore = process.cpuUsage();
    const reason = await withinMemory(300, () => refusal(bomb.name, bomb.bytes));
    expect(cpuMsSince(cpuBefore)).toBeLessThan(5000);
    expect(reason).toMatch(/^deflated data set inflates past \d+ bytes, more than its header and the 8 bytes of pixel data it declares \(plus 1 MiB\); refused/);
  });

  it('a deflated SEG within its limits is read (the capped inflation loses nothing)', async () => {
    const seg = deflatedSegBomb(0);
    const mask = await readMaskFile(await written(seg.name, seg.bytes));
    expect(mask.format).toBe('dicom-seg');
    expect(mask.segments?.get(1)?.voxelCount).toBe(64);
  });

  it('20,000 segments on one frame: read in bounded time and memory (work linear in the frames, not segments × voxels)', async () => {
    const seg = manySegments(20_000);
    const cpuBefore = process.cpuUsage();
    const file = await written(seg.name, seg.bytes);
    const mask = await withinMemory(400, () => readMaskFile(file));
    expect(cpuMsSince(cpuBefore)).toBeLessThan(5000);
    expect(mask.segments?.size).toBe(20_000);
    expect(mask.segments?.get(1)?.voxelCount).toBe(64 * 64);
    expect(mask.segments?.get(20_000)?.voxelCount).toBe(0);
    expect(mask.overlapVoxelCount).toBe(0);
  });

  it('2,000 segments each on its own slice: refused before allocating 16 GB of masks, naming the count, grid and limit', async () => {
    const seg = segmentsOnOwnSlices(2000, 64);
    const cpuBefore = process.cpuUsage();
    expect(await refusal(seg.name, seg.bytes)).toBe(
      'SEG with 2000 segment(s) (SegmentSequence (0062,0002)) on a 64×64×2000 grid needs 16400384000 bytes for its label map and one mask per segment, over the 2 GiB limit',
    );
    expect(cpuMsSince(cpuBefore)).toBeLessThan(3000);
  });

  const twoFrames = (): Buffer =>
    Buffer.from(
      segFile({
        type: 'BINARY',
        rows: 2,
        columns: 2,
        segments: [{ number: 1, label: 'a' }],
        frames: [
          { segmentNumber: 1, zMm: 0, pixels: [1, 0, 1, 1] },
          { segmentNumber: 1, zMm: 1, pixels: [0, 0, 0, 1] },
        ],
      }),
    );
  const sitesOf = (bytes: Buffer) => elementSites(bytes, 132, bytes.length, { explicit: true, littleEndian: true });

  it('NumberOfFrames read exactly: "1.5abc" is refused, not read as 1', async () => {
    const seg = twoFrames();
    const frames = sitesOf(seg).find((s) => s.tag === 0x00280008)!;
    const head = Buffer.from(seg.subarray(0, frames.valueAt));
    writeLength(head, frames, 6);
    const bytes = Buffer.concat([head, Buffer.from('1.5abc', 'latin1'), seg.subarray(frames.valueAt + frames.length)]);
    expect(await refusal('frames-text.dcm', bytes)).toBe('invalid NumberOfFrames (0028,0008) "1.5abc" (not a whole number ≥ 1)');
  });

  it('frames without a PerFrameFunctionalGroupsSequence: refused (the count alone is not trusted)', async () => {
    const seg = twoFrames();
    const perFrame = sitesOf(seg).find((s) => s.tag === 0x52009230)!;
    const bytes = Buffer.concat([seg.subarray(0, perFrame.headerAt), seg.subarray(perFrame.valueAt + perFrame.length)]);
    expect(await refusal('no-per-frame.dcm', bytes)).toBe('NumberOfFrames (0028,0008) is 2 but there is no PerFrameFunctionalGroupsSequence (5200,9230) to place the frames');
  });
});

describe('mask reasons in words, not pngjs or zlib messages', () => {
  const png = (): Buffer => Buffer.from(labelPng(4, 3, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]));

  it('a PNG without IEND ("There are some read requests waitng on finished stream")', async () => {
    const bytes = png();
    expect(await refusal('no-iend.png', bytes.subarray(0, bytes.length - 12))).toBe(
      'corrupt PNG (the file ends before its chunks do (an IEND or image data chunk is missing or cut off))',
    );
  });

  it('a PNG whose zlib checksum is wrong ("incorrect data check")', async () => {
    const bytes = png();
    const idat = bytes.indexOf('IDAT');
    const length = bytes.readUInt32BE(idat - 4);
    bytes[idat + 4 + length - 1] ^= 0xff; // last byte of the Adler-32
    bytes.writeUInt32BE(crc32(bytes.subarray(idat, idat + 4 + length)) >>> 0, idat + 4 + length);
    expect(await refusal('bad-adler.png', bytes)).toBe('corrupt PNG image data (IDAT: the checksum at the end of the compressed stream does not match its data (corrupt))');
  });

  it('a gzip stream with an invalid block ("invalid block type")', async () => {
    const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await refusal('bad-block.nii.gz', gz)).toBe('corrupt gzip stream (the compressed data is corrupt (not a valid deflate stream))');
  });

  it('a NIfTI vox_offset of NaN is said in words', async () => {
    const bytes = Buffer.from(niftiFile({ shape: [2, 2, 1], values: [0, 1, 2, 3], datatype: 'uint8' }));
    bytes.writeFloatLE(Number.NaN, 108);
    expect(await refusal('nan-offset.nii', bytes)).toBe('impossible NIfTI vox_offset (not a number) (header byte 108): voxels start at byte 352 or later, after the header');
  });
});

describe('PNG decoded size', () => {
  it("a 16-bit 16384² PNG (2 GiB of pngjs's RGBA) is refused from its header, before anything is inflated", async () => {
    const header = rawPng({ width: 16384, height: 16384, bitDepth: 16, filteredRows: new Uint8Array(1) });
    expect(await refusal('png-16bit-16384.png', header)).toBe('PNG of 16384 × 16384 pixels at 16 bits decodes to 2147483648 bytes of RGBA, over the 1 GiB limit');
  });
});
