// The study catalog against today's in-memory index, side by side on the same files in the same run:
// a first import of 2,000 files into a fresh catalog vs indexPaths (target ≤ 1.3×), a re-import of the
// same unchanged files, and startup with 100 studies in the catalog (open + catalog.studies).
// Corpus: the real CT series (20 files) ×100, each copy with its own study, series and SOP instance
// UIDs (rewritten in place, same length), so the catalog holds 100 studies of 20 instances, as a
// user's would; without the data directory, a generated phantom series stands in.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { Catalog } from '../core/catalog/catalog';
import { importIntoCatalog } from '../core/catalog/import';
import { resolveDataDir } from '../core/config/data-dir';
import { FileRegistry } from '../core/dicom/file-registry';
import { indexPaths } from '../core/dicom/indexer';
import { writePhantomSeries } from '../core/fixtures/phantom';

const COPIES = 100;
const ROUNDS = 5;
/** Study, Series, SOP Instance, Frame of Reference UID and the meta header's Media Storage SOP Instance UID. */
const UID_TAGS = ['x0020000d', 'x0020000e', 'x00080018', 'x00200052', 'x00020003'];
const STUDY_UID = 'x0020000d';
const STUDY_TIME = 'x00080030';

/**
 * The file with three digits inside the last component of each UID (and, where the study UID is
 * blank as in anonymised data, the last three of the study time that then keys the study) replaced
 * by `suffix` (three digits, the first non-zero): same length, same layout, a study of its own.
 */
function withUidSuffix(bytes: Buffer, suffix: string): Buffer {
  const copy = Buffer.from(bytes);
  const dataSet = dicomParser.parseDicom(new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength), { untilTag: 'x7fe00010' });
  const valueOf = (tag: string): string => {
    const element = dataSet.elements[tag];
    return element ? copy.toString('latin1', element.dataOffset, element.dataOffset + element.length).replace(/[\0 ]+$/, '') : '';
  };
  /** Overwrites three characters ending `fromEnd` characters before the value's end. */
  const replaceAt = (tag: string, fromEnd: number): void => {
    const value = valueOf(tag);
    copy.write(suffix, dataSet.elements[tag].dataOffset + value.length - fromEnd - 3, 'latin1');
  };
  let sopVaried = false;
  for (const tag of UID_TAGS) {
    // Inside the last component, clear of its last digits (where a series' files differ from each other).
    if (!/\.\d{10,}$/.test(valueOf(tag))) continue;
    replaceAt(tag, 6);
    if (tag === 'x00080018' || tag === 'x00020003') sopVaried = true;
  }
  if (!sopVaried) throw new Error('no SOP Instance UID long enough to vary');
  if (!valueOf(STUDY_UID)) {
    if (!/^\d{6}/.test(valueOf(STUDY_TIME))) throw new Error('blank study UID and no study time to vary');
    replaceAt(STUDY_TIME, 0);
  }
  return copy;
}

/** `COPIES` copies of the series under `dir`/copy-NNN/, each one its own study; returns the file count. */
async function replicateAsStudies(sourceFiles: string[], dir: string): Promise<number> {
  const sources = await Promise.all(sourceFiles.map((f) => readFile(f)));
  for (let c = 0; c < COPIES; c++) {
    const copyDir = path.join(dir, `copy-${String(c).padStart(3, '0')}`);
    await mkdir(copyDir, { recursive: true });
    const suffix = String(100 + c);
    await Promise.all(sources.map((bytes, i) => writeFile(path.join(copyDir, path.basename(sourceFiles[i])), withUidSuffix(bytes, suffix))));
  }
  return sources.length * COPIES;
}

const ms = (t: number): string => `${t.toFixed(0).padStart(5)} ms`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

async function compare(label: string, corpusDir: string, fileCount: number, workDir: string): Promise<void> {
  console.log(`\n${fileCount} files: ${label}`);
  let bestIndex = Infinity;
  let bestImport = Infinity;
  let bestReimport = Infinity;
  let bestStartup = Infinity;
  let studiesListed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const home = path.join(workDir, `home-${round}`);
    await mkdir(home, { recursive: true });
    const runIndex = async () => {
      const { ms: t, value } = await timed(() => indexPaths([corpusDir], { registry: new FileRegistry() }));
      if (value.fileCount !== fileCount || value.errors.length) throw new Error(`index: ${value.fileCount} files, ${value.errors.length} errors`);
      bestIndex = Math.min(bestIndex, t);
    };
    const runImport = async () => {
      const catalog = Catalog.open(home);
      try {
        // Opening the empty catalog is part of what a first import costs.
        const first = await timed(() => importIntoCatalog(catalog, [corpusDir]));
        if (first.value.added !== fileCount || first.value.errors.length) throw new Error(`import: ${first.value.added} added, ${first.value.errors.length} errors`);
        bestImport = Math.min(bestImport, first.ms);
        const again = await timed(() => importIntoCatalog(catalog, [corpusDir]));
        if (again.value.unchanged !== fileCount) throw new Error(`re-import: ${again.value.unchanged} of ${fileCount} unchanged`);
        bestReimport = Math.min(bestReimport, again.ms);
      } finally {
        catalog.close();
      }
      const startup = await timed(async () => {
        const reopened = Catalog.open(home);
        try {
          return reopened.studies();
        } finally {
          reopened.close();
        }
      });
      studiesListed = startup.value.total;
      bestStartup = Math.min(bestStartup, startup.ms);
    };
    // Alternate who goes first, so neither always runs on the warmer page cache.
    if (round % 2 === 0) {
      await runIndex();
      await runImport();
    } else {
      await runImport();
      await runIndex();
    }
    await rm(home, { recursive: true, force: true });
  }
  const perSecond = (t: number): string => `${((fileCount * 1000) / t).toFixed(0).padStart(6)} files/s`;
  console.log(`  baseline: indexPaths, in memory (today's import)            ${ms(bestIndex)} ${perSecond(bestIndex)}`);
  console.log(
    `  ours: import into a fresh catalog (walk, read, write)       ${ms(bestImport)} ${perSecond(bestImport)}  ${(bestImport / bestIndex).toFixed(2)}× the in-memory index (target ≤ 1.30×)`,
  );
  console.log(
    `  ours: re-import, every file unchanged (stat only)           ${ms(bestReimport)} ${perSecond(bestReimport)}  ${(bestIndex / bestReimport).toFixed(1)}× faster than indexing again`,
  );
  console.log(`  ours: startup with ${studiesListed} studies (open catalog.db + catalog.studies) ${ms(bestStartup)}`);
  console.log(`  (best of ${ROUNDS} rounds each; order alternated; ratio = our time / baseline time)`);
}

export async function run(): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-catalog-bench-'));
  try {
    const dataDir = resolveDataDir();
    const realSeries = dataDir ? path.join(dataDir, 'dicom', 'ct-series-totalseg') : null;
    let sources: string[];
    let label: string;
    if (realSeries && existsSync(realSeries)) {
      sources = (await readdir(realSeries)).sort().map((n) => path.join(realSeries, n));
      label = `the real CT series ×${COPIES}, each copy its own study (JPEG 2000 lossless, 512²)`;
    } else {
      console.log('real data not found: measuring a phantom series instead');
      sources = await writePhantomSeries(path.join(workDir, 'phantom-source'), { slices: 20, rows: 256, columns: 256 });
      label = `a phantom series (20 × 256², uncompressed) ×${COPIES}, each copy its own study`;
    }
    const corpusDir = path.join(workDir, 'corpus');
    const fileCount = await replicateAsStudies(sources, corpusDir);
    await compare(label, corpusDir, fileCount, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
