// Header indexing speed: our indexPaths against reading every file in full (fs.readFile, and
// fs.readFile + a full dicom-parser parse, what a naive importer does), side by side on the same
// files in the same run. Two sets: the real CT series (JPEG 2000, ~157 KB a file) and
// uncompressed 512² phantom slices (~525 KB a file).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { resolveDataDir } from '../core/config/data-dir';
import { FileRegistry } from '../core/dicom/file-registry';
import { indexPaths } from '../core/dicom/indexer';
import { writePhantomSeries } from '../core/fixtures/phantom';

const CONCURRENCY = 8;
const ROUNDS = 3;

/** Copies the series `copies` times into `dir`/copy-NNN/ and returns every copied path. */
async function replicate(sourceFiles: string[], dir: string, copies: number): Promise<string[]> {
  const files: string[] = [];
  for (let c = 0; c < copies; c++) {
    const copyDir = path.join(dir, `copy-${String(c).padStart(3, '0')}`);
    await mkdir(copyDir, { recursive: true });
    for (const f of sourceFiles) {
      const dest = path.join(copyDir, path.basename(f));
      await copyFile(f, dest);
      files.push(dest);
    }
  }
  return files;
}

/** Runs `work` over every file with the indexer's concurrency. */
async function forEachFile(files: string[], work: (file: string) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await work(files[next++]);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const perSecond = (count: number, ms: number): string => `${((count * 1000) / ms).toFixed(0)} files/s`;

async function compare(label: string, dir: string, files: string[]): Promise<void> {
  console.log(`\n${files.length} files: ${label}`);
  const best = { ours: Infinity, readFull: Infinity, readAndParse: Infinity };
  let bytes = 0;
  const contenders: Array<[keyof typeof best, () => Promise<void>]> = [
    [
      'ours',
      async () => {
        const result = await indexPaths([dir], { registry: new FileRegistry(), concurrency: CONCURRENCY });
        if (result.fileCount !== files.length) throw new Error(`indexer accounted for ${result.fileCount} of ${files.length} files`);
      },
    ],
    [
      'readFull',
      async () => {
        bytes = 0;
        await forEachFile(files, async (f) => {
          const length = (await readFile(f)).length; // read before adding: `bytes += await ...` would race
          bytes += length;
        });
      },
    ],
    [
      'readAndParse',
      () =>
        forEachFile(files, async (f) => {
          dicomParser.parseDicom(await readFile(f));
        }),
    ],
  ];
  // Rotate who goes first each round so none always runs on a warmer cache; keep each one's best round.
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, work] = contenders[(round + k) % contenders.length];
      const t0 = performance.now();
      await work();
      best[name] = Math.min(best[name], performance.now() - t0);
    }
  }
  console.log(`  indexPaths (headers only: walk, parse, checks, tree): ${best.ours.toFixed(0)} ms, ${perSecond(files.length, best.ours)}`);
  console.log(`  baseline fs.readFile of every file (${(bytes / 1e6).toFixed(0)} MB, ${(bytes / files.length / 1e3).toFixed(0)} KB each): ${best.readFull.toFixed(0)} ms, ${perSecond(files.length, best.readFull)}`);
  console.log(`  baseline fs.readFile + full dicom-parser parse:        ${best.readAndParse.toFixed(0)} ms, ${perSecond(files.length, best.readAndParse)}`);
  console.log(`  ratio vs readFile: ${(best.readFull / best.ours).toFixed(2)}× ; vs readFile + parse: ${(best.readAndParse / best.ours).toFixed(2)}× (above 1 = ours faster)`);
}

export async function run(): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-index-bench-'));
  try {
    const dataDir = resolveDataDir();
    const realSeries = dataDir ? path.join(dataDir, 'dicom', 'ct-series-totalseg') : null;
    if (realSeries && existsSync(realSeries)) {
      const names = (await readdir(realSeries)).sort();
      const dir = path.join(workDir, 'real');
      const files = await replicate(names.map((n) => path.join(realSeries, n)), dir, 100);
      await compare('100 copies of the real CT series (20 × 512², JPEG 2000 lossless)', dir, files);
      await rm(dir, { recursive: true, force: true });
    } else {
      console.log('real data not found: measuring the phantom only');
    }
    const phantom = await writePhantomSeries(path.join(workDir, 'phantom-source'), { slices: 20, rows: 512, columns: 512 });
    const dir = path.join(workDir, 'phantom');
    // 100 copies when the real series is missing (the required 2,000 files); fewer beside it to spare disk.
    const copies = realSeries && existsSync(realSeries) ? 20 : 100;
    const files = await replicate(phantom, dir, copies);
    await compare(`${copies} copies of a phantom series (20 × 512², uncompressed)`, dir, files);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
