// A short seeded fuzz run, part of `npm test`: every seed as it is, every special file (bombs,
// deep nesting, huge declared sizes), then a small budget of mutated DICOM and mask files, each read
// in a child process within a time and an RSS limit. The long run is `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from '../config/data-dir';
import { problemOf, runFuzz } from './harness';
import { unwrappedMessage } from './patterns';

// Well under the per-volume cap + 300 MiB the readers are held to: the bombs here stay near 0.6 GiB.
const RSS_LIMIT_MB = 1200;

describe('fuzz (short seeded run)', () => {
  it('no crash, hang, RSS overrun, unnamed error or unwrapped message; every file accounted for', async () => {
    const dataDir = resolveDataDir();
    if (!dataDir) console.warn('fuzz test: data directory absent, fuzzing generated seeds only');
    const summary = await runFuzz({ seed: 20261201, count: 150, maskCount: 80, timeLimitMs: 15_000, rssLimitMb: RSS_LIMIT_MB, dataDir, heavy: false, render: true });
    expect(summary.failures.map((f) => `${f.reader} ${f.seedName} [${f.mutation}]: ${f.problem} (${f.savedAs})`)).toEqual([]);
    expect(summary.childrenStarted).toBe(1);
    expect(summary.byReader['dicom-index'].files).toBeGreaterThan(150);
    expect(summary.byReader.mask.files).toBeGreaterThan(80);
    expect(summary.byReader.render.files).toBeGreaterThan(0);
    const counted = Object.values(summary.byReader).reduce((n, r) => n + Object.values(r.outcomes).reduce((a, b) => a + b, 0), 0);
    expect(counted).toBe(summary.files);
    expect(summary.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);
});

describe('fuzz verdicts', () => {
  it('names crashes, hangs, RSS overruns, unnamed errors and unwrapped messages as problems', () => {
    expect(problemOf({ kind: 'crash', detail: 'exit code 134', ms: 1 })).toMatch(/^crash/);
    expect(problemOf({ kind: 'hang', ms: 10_000 })).toMatch(/^hang/);
    expect(problemOf({ kind: 'rss', rssMb: 3000, ms: 1 })).toMatch(/^RSS 3000 MiB/);
    expect(problemOf({ kind: 'outcome', code: 'thrown', reason: 'TypeError: x', ms: 1, maxRssMb: 1 })).toMatch(/^unnamed error/);
    expect(problemOf({ kind: 'outcome', code: 'malformed', reason: '', ms: 1, maxRssMb: 1 })).toMatch(/without a reason/);
    expect(problemOf({ kind: 'outcome', code: 'instance', ms: 1, maxRssMb: 1 })).toBeNull();
    expect(problemOf({ kind: 'outcome', code: 'refused', reason: 'corrupt PNG (a chunk checksum (CRC) does not match its data)', ms: 1, maxRssMb: 1 })).toBeNull();
  });

  it('finds engine and library messages, but not values quoted from the file or DICOM\'s "undefined length"', () => {
    for (const message of [
      "Cannot read properties of undefined (reading 'trim')",
      'e.warnings is not a function',
      'Maximum call stack size exceeded',
      'Invalid typed array length: -4',
      'Offset is outside the bounds of the DataView',
      'corrupt gzip stream (incorrect header check)',
      'There are some read requests waitng on finished stream',
      'ENOENT: ENOENT: no such file',
      'dicomParser.readFixedString: attempt to read past end of buffer',
      'position NaN',
    ]) {
      expect(unwrappedMessage(message), message).not.toBeNull();
    }
    expect(unwrappedMessage('Number of Frames (0028,0008) "NaN" is not an integer string')).toBeNull();
    expect(unwrappedMessage('encapsulated Pixel Data of undefined length ends early')).toBeNull();
  });
});
