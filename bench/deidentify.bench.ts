// De-identified export (PS3.15 Basic Profile, the CLI's path: walk, safe read, de-identify, temp + rename
// write) of N CT files against a plain read-and-write copy of the same files in the same run. The files
// are the real CT series under <data>/dicom/ct-series-totalseg copied with distinct UIDs (a generated
// phantom series where the data folder is absent). N: VESALIUS_BENCH_DEID_FILES (default 2000).
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { resolveDataDir } from '../core/config/data-dir';
import { writePhantomSeries } from '../core/fixtures/phantom';
import { deidentifyFiles } from '../core/report/deid/export-files';

const FILES = Number(process.env.VESALIUS_BENCH_DEID_FILES ?? 2000);
const ROUNDS = 3;
const UID_TAGS = ['x00020003', 'x00080018', 'x0020000d', 'x0020000e', 'x00200052'];

/** A valid UID of exactly `length` characters: 2.25. and random digits (no leading zero). */
const sameLengthUid = (length: number): string => `2.25.${randomInt(1, 10)}${Array.from({ length: length - 6 }, () => randomInt(0, 10)).join('')}`;

function replaceAll(bytes: Buffer, from: string, to: string): void {
  const needle = Buffer.from(from, 'latin1');
  const replacement = Buffer.from(to, 'latin1');
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) replacement.copy(bytes, at);
}

async function sourceSeries(scratch: string): Promise<string[]> {
  const data = resolveDataDir();
  const real = data ? path.join(data, 'dicom', 'ct-series-totalseg') : null;
  if (real && existsSync(real)) {
    console.log(`source: ${real}`);
    return readdirSync(real).sort().map((f) => path.join(real, f));
  }
  console.log('source: generated phantom CT (the data folder is absent)');
  return writePhantomSeries(path.join(scratch, 'phantom'), { slices: 20, rows: 512, columns: 512 });
}

/** N files: the series over and over, each round with its own study, series, frame of reference and instance UIDs (same lengths, so the files stay valid). */
async function makeCopies(series: string[], dir: string): Promise<void> {
  const originals = await Promise.all(series.map((f) => readFile(f)));
  const uidsOf = originals.map((bytes) => {
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    return UID_TAGS.map((t) => ds.string(t)).filter((u): u is string => Boolean(u));
  });
  for (let n = 0; n < FILES; ) {
    const round = new Map<string, string>();
    const folder = path.join(dir, `copy-${String(n).padStart(5, '0')}`);
    await mkdir(folder, { recursive: true });
    for (let k = 0; k < originals.length && n < FILES; k++, n++) {
      const bytes = Buffer.from(originals[k]);
      for (const uid of uidsOf[k]) {
        if (!round.has(uid)) round.set(uid, sameLengthUid(uid.length));
        replaceAll(bytes, uid, round.get(uid)!);
      }
      await writeFile(path.join(folder, `slice-${k}.dcm`), bytes);
    }
  }
}

async function plainCopy(input: string, output: string): Promise<void> {
  for (const folder of readdirSync(input).sort()) {
    await mkdir(path.join(output, folder), { recursive: true });
    for (const file of readdirSync(path.join(input, folder)).sort()) await writeFile(path.join(output, folder, file), await readFile(path.join(input, folder, file)));
  }
}

export async function run(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'vesalius-bench-deid-'));
  try {
    const series = await sourceSeries(scratch);
    const input = path.join(scratch, 'in');
    await makeCopies(series, input);
    // Alternating rounds, the best of each: the machine is shared, and one slow disk moment should not decide the ratio.
    let copyMs = Infinity;
    let deidMs = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      await plainCopy(input, path.join(scratch, `copy-${round}`));
      copyMs = Math.min(copyMs, performance.now() - t0);
      const t1 = performance.now();
      const report = await deidentifyFiles([input], path.join(scratch, `deid-${round}`), []);
      deidMs = Math.min(deidMs, performance.now() - t1);
      if (report.files.length !== FILES || report.failed.length > 0) throw new Error(`de-identified ${report.files.length} of ${FILES} files; failed: ${JSON.stringify(report.failed.slice(0, 3))}`);
      rmSync(path.join(scratch, `copy-${round}`), { recursive: true, force: true });
      rmSync(path.join(scratch, `deid-${round}`), { recursive: true, force: true });
    }
    const copyRate = FILES / (copyMs / 1000);
    const deidRate = FILES / (deidMs / 1000);
    console.log(`${FILES} CT files (${series.length}-slice series copied with distinct UIDs), best of ${ROUNDS} alternating rounds`);
    console.log(`  read + write copy:  ${copyMs.toFixed(0)} ms, ${copyRate.toFixed(0)} files/s`);
    console.log(`  de-identify (CLI path): ${deidMs.toFixed(0)} ms, ${deidRate.toFixed(0)} files/s`);
    console.log(`  ratio de-identify / copy: ${(deidRate / copyRate).toFixed(2)} (target >= 0.5)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
