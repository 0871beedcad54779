// statFiles decides which known files a catalog re-import skips: it must agree with fs.stat, in order, on and off the reader thread.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statFiles } from '../dicom/indexer';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-stat-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** `count` files of different sizes, with a path that does not exist at `missingAt`. */
function files(count: number, missingAt: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(tmp, `f-${i}`);
    if (i !== missingAt) writeFileSync(file, Buffer.alloc(i + 1));
    return file;
  });
}

describe('statFiles', () => {
  // 3 files go through async stat; 200 through the reader thread (128 files and more).
  it.each([3, 200])('gives size and modification time of %i files in order, null for one that is not there', async (count) => {
    const paths = files(count, 1);
    const stats = await statFiles(paths);
    expect(stats).toHaveLength(count);
    paths.forEach((file, i) => {
      if (i === 1) expect(stats[i]).toBeNull();
      else {
        const info = statSync(file);
        expect(stats[i]).toEqual({ size: info.size, mtimeMs: info.mtimeMs });
      }
    });
  });
});
