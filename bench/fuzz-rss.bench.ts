// RSS of a reader process fed decompression bombs and huge declared sizes (core/fuzz special files),
// one fresh process per file so each peak is its own. Baseline, in the same run: the same process
// reading a small valid file. Target (issue 9): never above the configured cap (2 GiB per volume)
// + 300 MB.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_MAX_VOLUME_BYTES } from '../core/masks/nifti';
import { labelPng } from '../core/masks/mask-fixtures';
import { ReaderProcess } from '../core/fuzz/reader-process';
import type { ReaderName } from '../core/fuzz/readers';
import { specialFiles } from '../core/fuzz/special';

const TARGET_MB = DEFAULT_MAX_VOLUME_BYTES / 2 ** 20 + 300;

async function peakRssMb(reader: ReaderName, file: string): Promise<{ rssMb: number; ms: number; outcome: string }> {
  const process = new ReaderProcess({ timeLimitMs: 60_000, rssLimitMb: 8192 });
  try {
    const result = await process.run(reader, file);
    return { rssMb: process.maxRssMb, ms: result.ms, outcome: result.kind === 'outcome' ? result.code : result.kind };
  } finally {
    await process.close();
  }
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vesalius-fuzz-rss-'));
  try {
    const small = path.join(dir, 'small.png');
    await writeFile(small, labelPng(4, 4, new Array(16).fill(1)));
    const baseline = await peakRssMb('mask', small);
    console.log(`baseline (a 4×4 PNG): ${Math.round(baseline.rssMb)} MiB; target for every bomb: ≤ ${TARGET_MB} MiB (cap + 300 MB)`);
    let worst = 0;
    for (const special of specialFiles(true).filter((s) => /bomb|segments|16384|512cubed/.test(s.name))) {
      const file = path.join(dir, special.name);
      await writeFile(file, special.bytes);
      const peak = await peakRssMb(special.reader, file);
      worst = Math.max(worst, peak.rssMb);
      const size = `${(special.bytes.length / 2 ** 20).toFixed(1)} MB`;
      console.log(`  ${special.name.padEnd(44)} ${size.padStart(8)}  peak ${String(Math.round(peak.rssMb)).padStart(5)} MiB (×${(peak.rssMb / baseline.rssMb).toFixed(1)} baseline)  ${Math.round(peak.ms)} ms  ${peak.outcome}`);
      await rm(file);
    }
    console.log(`worst peak ${Math.round(worst)} MiB vs target ${TARGET_MB} MiB: ${worst <= TARGET_MB ? 'within' : 'OVER'}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
