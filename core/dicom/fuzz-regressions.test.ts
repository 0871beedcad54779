// Defects the fuzz run (core/fuzz) found in the DICOM header readers, each with a generated file:
// bounded time, bounded memory, the exact reason.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNoPixelData } from '../fixtures/bad-files';
import { elementSites, writeLength } from '../fuzz/dicom-sites';
import { cpuMsSince, withinMemory } from '../fuzz/memory-bound';
import { deepNesting, deflatedBombs } from '../fuzz/special';
import { inspectFile } from './inspect-file';
import { DEFLATED_LE, EXPLICIT_BE } from './transfer-syntax';
import { scratchFolder } from '../fixtures/scratch-folder';

const scratch = scratchFolder('fuzz-regressions');
const written = scratch.write;


describe('deflated DICOM bombs (3 MB that inflate to 3 GiB)', () => {
  // These run first in this file: the memory bound reads the process's high-water mark.
  const bombs = deflatedBombs(3072);
  const reason = `deflated data set (transfer syntax ${DEFLATED_LE}) inflates to more than 128 MiB before its header ends (the limit for a header; a decompression bomb or a garbled header)`;

  it.each([['zeros before the pixel data', 0], ['a header that never ends', 2]])('%s: refused at the 128 MiB header cap, in bounded time and memory', async (_what, index) => {
    const bomb = bombs[index];
    expect(bomb.bytes.length).toBeLessThan(4 * 2 ** 20);
    const file = await written(bomb.name, bomb.bytes);
    const cpuBefore = process.cpuUsage();
    const outcome = await withinMemory(700, () => inspectFile(file));
    expect(cpuMsSince(cpuBefore)).toBeLessThan(8000);
    expect(outcome).toEqual({ kind: 'error', error: { path: file, code: 'malformed', reason } });
  });
});

describe('a deflated file whose pixel data claims 3 GiB (the viewer would inflate it)', () => {
  it('is refused naming the element, its length and the limit, without inflating it', async () => {
    const bomb = deflatedBombs(3072)[1];
    const file = await written(bomb.name, bomb.bytes);
    const cpuBefore = process.cpuUsage();
    expect(await inspectFile(file)).toEqual({
      kind: 'error',
      error: { path: file, code: 'malformed', reason: 'Pixel Data (7FE0,0010) of a deflated data set claims 3221225472 bytes, over the 2 GiB limit for one image' },
    });
    expect(cpuMsSince(cpuBefore)).toBeLessThan(2000);
  });
});

describe('sequences nested 3,000 deep where dicom-parser recurses', () => {
  it('explicit VR big endian: refused with the byte offset', async () => {
    const nested = deepNesting(3000, EXPLICIT_BE, true);
    const outcome = await inspectFile(await written(nested.name, nested.bytes));
    expect(outcome.kind === 'error' && outcome.error.reason).toMatch(/^sequence nesting deeper than 64 levels at byte offset \d+$/);
  });

  it('deflated: refused with the byte offset in the inflated data set', async () => {
    const nested = deepNesting(3000, DEFLATED_LE, true);
    const outcome = await inspectFile(await written(nested.name, nested.bytes));
    expect(outcome.kind === 'error' && outcome.error.reason).toMatch(/^sequence nesting deeper than 64 levels at byte offset \d+ \(offset in the inflated data set\)$/);
  });
});

describe('reasons in words, with the tag and offset', () => {
  it('a meta header element claiming more bytes than the file holds: names the element and its offset, not dicom-parser\'s ByteStream', async () => {
    const bytes = new Uint8Array(await readFile(await writeNoPixelData(path.join(scratch.path, 'no-pixel.dcm'))));
    const site = elementSites(bytes, 132, bytes.length, { explicit: true, littleEndian: true }).find((s) => s.tag === 0x00020012)!;
    writeLength(bytes, site, 0xfffffffe);
    const file = await written('meta-length.dcm', bytes);
    expect(await inspectFile(file)).toEqual({
      kind: 'error',
      error: { path: file, code: 'malformed', reason: `file meta header element (0002,0012) at byte ${site.headerAt} claims 65534 bytes, past the end of the file (${bytes.length} bytes)` },
    });
  });

  it('a SOP Class UID that is not a UID is quoted as text ("-Infinity"), never printed as one', async () => {
    const bytes = new Uint8Array(await readFile(await writeNoPixelData(path.join(scratch.path, 'no-pixel-2.dcm'))));
    const site = elementSites(bytes, 132, bytes.length, { explicit: true, littleEndian: true }).find((s) => s.tag === 0x00080016)!;
    bytes.set(Buffer.from('-Infinity'.padEnd(site.length, ' ')), site.valueAt);
    const file = await written('sop-class-text.dcm', bytes);
    const outcome = await inspectFile(file);
    expect(outcome.kind === 'error' && outcome.error.reason).toBe('SOP Class UID (0008,0016) "-Infinity" (not a UID): no Pixel Data (7FE0,0010) element');
  });
});
