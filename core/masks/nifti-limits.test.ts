import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niftiFile } from './mask-fixtures';
import { decodeNiftiLabels, readNiftiLabelsFile } from './nifti';

const values = [0, 1, 2, 0, 0, 3, 1, 1, 0, 0, 0, 2]; // 3 × 2 × 2

/** A NIfTI-1 header (voxels at 352) claiming `shape` of int16 voxels, with `dataBytes` bytes of data after it. */
function bigHeader(shape: [number, number, number], dataBytes: number): Uint8Array {
  const header = niftiFile({ shape: [1, 1, 1], values: [0], datatype: 'int16' });
  const bytes = new Uint8Array(352 + dataBytes);
  bytes.set(header.subarray(0, 352));
  const view = new DataView(bytes.buffer);
  shape.forEach((d, i) => view.setInt16(42 + 2 * i, d, true));
  return bytes;
}

/** A minimal NIfTI-2 (540-byte header, int64 dims and vox_offset) of uint8 voxels at 544. */
function nifti2File(dims: number[], voxOffset: number, voxels: number[]): Uint8Array {
  const bytes = new Uint8Array(544 + voxels.length);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 540, true);
  bytes.set([0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\x1a\n"
  view.setInt16(12, 2, true); // uint8
  view.setInt16(14, 8, true);
  [3, ...dims, 1, 1, 1, 1].slice(0, 8).forEach((d, i) => view.setBigInt64(16 + 8 * i, BigInt(d), true));
  [1, 1, 1, 1, 1, 1, 1, 1].forEach((p, i) => view.setFloat64(104 + 8 * i, p, true));
  view.setBigInt64(168, BigInt(voxOffset), true);
  view.setFloat64(176, 0, true); // scl_slope 0: unscaled
  view.setInt32(500, 2, true); // xyzt_units: mm
  bytes.set(voxels, 544);
  return bytes;
}

describe('NIfTI: exact reading or a clear refusal', () => {
  it('refuses a vox_offset before the end of the header (0, 1, -1, NaN), naming the file and the field', () => {
    for (const voxOffset of [0, 1, -1, Number.NaN, 348, 351.5]) {
      expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', voxOffset }), 'off.nii')).toThrow(
        new RegExp(`^off\\.nii: impossible NIfTI vox_offset ${Number.isNaN(voxOffset) ? '\\(not a number\\)' : String(voxOffset).replace('.', '\\.')} \\(header byte 108\\): voxels start at byte 352 or later`),
      );
    }
    // 352 itself is where a single-file NIfTI-1 keeps its voxels.
    expect(Array.from(decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', voxOffset: 352 }), 'ok.nii').data)).toEqual(values);
  });

  it('refuses a vox_offset past the end of the file, and short data in bytes', () => {
    const far = niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', voxOffset: 1_000_000 });
    expect(() => decodeNiftiLabels(far, 'far.nii')).toThrow(`far.nii: impossible NIfTI vox_offset 1000000: past the end of the ${far.byteLength}-byte file`);
    expect(() => decodeNiftiLabels(niftiFile({ shape: [3, 2, 2], values, datatype: 'int16', truncateBy: 5 }), 'short.nii')).toThrow(
      'short.nii: truncated NIfTI: 3×2×2 voxels need 24 bytes at offset 352, file has 19 bytes there',
    );
  });

  it('checks declared dims against the volume cap before allocating (default 2 GiB, stated)', async () => {
    // 32767 × 32767 × 8 int16 voxels = 16 GiB declared by a 400-byte file.
    const huge = bigHeader([32767, 32767, 8], 48);
    const reason = 'NIfTI volume of 32767×32767×8 voxels (17178820624 bytes) is over the 2 GiB limit per volume';
    expect(() => decodeNiftiLabels(huge, 'huge.nii')).toThrow(`huge.nii: ${reason}`);
    const root = await mkdtemp(path.join(tmpdir(), 'vesalius-nifti-cap-'));
    try {
      const file = path.join(root, 'huge.nii');
      await writeFile(file, huge);
      await expect(readNiftiLabelsFile(file)).rejects.toThrow(`${file}: ${reason}`);
      // A configured cap is stated as configured.
      await expect(readNiftiLabelsFile(file, 'huge.nii', { maxVolumeBytes: 1024 ** 2 })).rejects.toThrow(/over the 1 MiB limit per volume/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  describe('a .nii.gz bomb', () => {
    let root: string;
    // 64 MiB of zero voxels behind a valid header, deflated to ~64 KiB; the cap is set to 1 MiB.
    const inflated = bigHeader([256, 256, 512], 256 * 256 * 512 * 2);
    const bomb = gzipSync(inflated, { level: 1 });
    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'vesalius-nifti-bomb-'));
    });
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('refuses a header that declares more than the cap before inflating the rest (in memory and from a file)', async () => {
      expect(bomb.byteLength).toBeLessThan(1024 ** 2);
      const reason = 'NIfTI volume of 256×256×512 voxels (67108864 bytes) is over the 1 MiB limit per volume';
      expect(() => decodeNiftiLabels(bomb, 'bomb.nii.gz', { maxVolumeBytes: 1024 ** 2 })).toThrow(`bomb.nii.gz: ${reason}`);
      const file = path.join(root, 'bomb.nii.gz');
      await writeFile(file, bomb);
      await expect(readNiftiLabelsFile(file, file, { maxVolumeBytes: 1024 ** 2 })).rejects.toThrow(`${file}: ${reason}`);
    });

    it('stops inflating past what a small header declares (64 MiB behind a 16³ header), within bounded memory', async () => {
      // The header declares 16³ int16 voxels (8 KiB); the stream goes on for 64 MiB of zeros.
      const lying = gzipSync(bigHeader([16, 16, 16], 64 * 1024 ** 2), { level: 1 });
      const reason = `gzip stream inflates past ${352 + 16 ** 3 * 2 + 1024 ** 2} bytes, more than its header declares (vox_offset + voxels, plus 1 MiB); refused`;
      const rssBefore = process.memoryUsage().rss;
      expect(() => decodeNiftiLabels(lying, 'lying.nii.gz')).toThrow(`lying.nii.gz: ${reason}`);
      const file = path.join(root, 'lying.nii.gz');
      await writeFile(file, lying);
      await expect(readNiftiLabelsFile(file)).rejects.toThrow(`${file}: ${reason}`);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 ** 2);
    });

    it('still reads a .nii.gz within the cap', async () => {
      const small = niftiFile({ shape: [3, 2, 2], values, datatype: 'uint8', gzip: true });
      expect(Array.from(decodeNiftiLabels(small, 'small.nii.gz', { maxVolumeBytes: 1024 }).data)).toEqual(values);
    });
  });

  it('NIfTI-2: int64 fields are printed exactly (-1 stays -1) and its offset is checked against 544', () => {
    expect(() => decodeNiftiLabels(nifti2File([-1, 2, 2], 544, [0, 0, 0, 0]), 'neg.nii')).toThrow('neg.nii: invalid NIfTI dimensions -1×2×2');
    expect(() => decodeNiftiLabels(nifti2File([2, 2, 1], 0, [0, 0, 0, 0]), 'zero.nii')).toThrow(
      'zero.nii: impossible NIfTI vox_offset 0 (header byte 168): voxels start at byte 544 or later',
    );
    expect(Array.from(decodeNiftiLabels(nifti2File([2, 2, 1], 544, [0, 1, 2, 3]), 'ok2.nii').data)).toEqual([0, 1, 2, 3]);
  });
});
