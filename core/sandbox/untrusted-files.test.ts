// The files of issue 9 that took the app down, read through the sandbox: each is refused in bounded
// time with its exact reason, the main thread's event loop keeps turning, and the process's RSS growth
// is measured (a reader thread shares the process's memory: resourceLimits bound only its V8 heap).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelPng, niftiFile } from '../masks/mask-fixtures';
import { MAX_PNG_PIXELS } from '../masks/png';
import { ReaderSandbox } from './reader-sandbox';

const MiB = 1024 ** 2;

interface Measured {
  error: Error | null;
  ms: number;
  /** Largest RSS above the RSS at the start, sampled every 10 ms. */
  rssGrowthBytes: number;
  /** Longest gap between two 10 ms ticks of the main thread's event loop. */
  longestStallMs: number;
}

/** Runs `read` while sampling this process's RSS and the main event loop's stalls. */
async function measure(read: () => Promise<unknown>): Promise<Measured> {
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  let lastTick = performance.now();
  let longestStallMs = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    longestStallMs = Math.max(longestStallMs, now - lastTick);
    lastTick = now;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  let error: Error | null = null;
  try {
    await read();
  } catch (e) {
    error = e as Error;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { error, ms, rssGrowthBytes: peakRss - startRss, longestStallMs };
}

const report = (what: string, m: Measured): void => {
  console.log(`${what}: refused in ${m.ms.toFixed(0)} ms; main-process RSS growth ${(m.rssGrowthBytes / MiB).toFixed(1)} MiB; longest main event-loop stall ${m.longestStallMs.toFixed(0)} ms`);
};

describe.skipIf(process.platform === 'win32')('untrusted files through the reader sandbox', () => {
  let root: string;
  const sandbox = new ReaderSandbox({ timeoutMs: 150_000 }); // generous: on a loaded machine the bomb below must still end by the reader's cap, not by the time limit
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-untrusted-'));
    await sandbox.readMask(path.join(root, 'absent.png')).catch(() => undefined); // thread start-up is not measured
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a 136-byte PNG claiming 1 × 2,147,483,647 pixels', async () => {
    const png = Buffer.from(labelPng(2, 2, [0, 1, 1, 0]));
    png.writeUInt32BE(1, 16);
    png.writeUInt32BE(2_147_483_647, 20);
    const file = path.join(root, 'tall.png');
    await writeFile(file, png);
    const reason = `PNG of 1 × 2147483647 pixels is over the ${MAX_PNG_PIXELS}-pixel limit`;
    for (const read of [() => sandbox.readMask(file), () => sandbox.readGrayPng(file, 'a dataset image')]) {
      const m = await measure(read);
      report('1 × 2^31 PNG', m);
      expect(m.error?.message).toBe(`${file}: ${reason}`);
      expect(m.ms).toBeLessThan(5000);
      expect(m.rssGrowthBytes).toBeLessThan(500 * MiB);
    }
  });

  it('a FIFO with no writer and /dev/zero', async () => {
    const fifo = path.join(root, 'pipe.nii.gz');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, string][] = [[fifo, 'is a FIFO (named pipe), not a regular file']];
    if (existsSync('/dev/zero')) cases.push(['/dev/zero', 'is a character device, not a regular file']);
    for (const [file, reason] of cases) {
      const reads: [() => Promise<unknown>, string][] = [
        [() => sandbox.readMask(file), 'masks'],
        [() => sandbox.readGrayPng(file, 'a dataset image'), 'images'],
      ];
      for (const [read, readAs] of reads) {
        const m = await measure(read);
        report(file, m);
        expect(m.error?.message).toBe(`${file}: ${reason}; only regular files are read as ${readAs}`);
        expect(m.ms).toBeLessThan(5000);
        expect(m.rssGrowthBytes).toBeLessThan(500 * MiB);
      }
    }
    // The thread is still there for the next file.
    const ok = path.join(root, 'ok.png');
    await writeFile(ok, labelPng(1, 1, [7]));
    expect(Array.from((await sandbox.readMask(ok)).volume.data)).toEqual([7]);
  });

  it(
    'a 2 MB .nii.gz that inflates to 2 GiB behind a header declaring 64 MiB',
    async () => {
      // 33 gzip members of 64 MiB of zeros each (gunzip reads members one after another): 2.06 GiB
      // inflated from ~2 MB, behind a header that declares a 64 MiB volume.
      const header = niftiFile({ shape: [1, 1, 1], values: [0], datatype: 'int16' }).slice(0, 352);
      const view = new DataView(header.buffer);
      [256, 256, 512].forEach((d, i) => view.setInt16(42 + 2 * i, d, true));
      const zeros = new Uint8Array(64 * MiB);
      const first = gzipSync(Buffer.concat([header, zeros]), { level: 9 });
      const more = gzipSync(zeros, { level: 9 });
      const file = path.join(root, 'bomb.nii.gz');
      await writeFile(file, Buffer.concat([first, ...Array.from({ length: 32 }, () => more)]));

      const m = await measure(() => sandbox.readMask(file));
      report('gzip bomb .nii.gz', m);
      // The reader inflates no further than the header declares (vox_offset + voxels + 1 MiB).
      const declaredCap = 352 + 256 * 256 * 512 * 2 + MiB;
      expect(m.error?.message).toBe(`${file}: gzip stream inflates past ${declaredCap} bytes, more than its header declares (vox_offset + voxels, plus 1 MiB); refused`);
      // The main thread keeps serving while the thread inflates.
      expect(m.longestStallMs).toBeLessThan(1000);
      // A thread's ArrayBuffers are this process's memory (resourceLimits bound only its V8 heap):
      // the growth is what the reader's declared-size cap lets it inflate (~130 MB here), not 2 GiB.
      expect(m.rssGrowthBytes).toBeLessThan(500 * MiB);
      // Memory is given back once the thread dropped the inflated chunks: the next file reads normally.
      const ok = path.join(root, 'after-bomb.nii');
      await writeFile(ok, niftiFile({ shape: [2, 1, 1], values: [1, 2], datatype: 'uint8' }));
      expect(Array.from((await sandbox.readMask(ok)).volume.data)).toEqual([1, 2]);
    },
    180_000,
  );
});
