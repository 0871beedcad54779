import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, projectRoot, resolveDataDir } from '../config/data-dir';
import { scanPaths } from '../dicom/indexer';
import { transferSyntaxName } from '../dicom/transfer-syntax';
import type { AppliedRendering } from './render-frame';

// `vesalius render` on every image under <data>/dicom that the index accepts: a PNG or a named
// reason for each; and, for what pydicom (Debian python3-pydicom) can decode, the same frame rendered
// by pydicom's own LUT functions correlates with ours at 0.99 or better.

const dataDir = resolveDataDir();
const dicomDir = dataDir ? path.join(dataDir, 'dicom') : null;
const haveData = dicomDir !== null && existsSync(dicomDir);
if (!haveData) console.warn(`render real-data tests: ${dataDirMissingMessage()}`);

const PYTHON = '/usr/bin/python3';
const pydicomProbe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' }) : null;
const havePydicom = pydicomProbe?.status === 0;
if (haveData && !havePydicom) {
  console.warn(`pydicom comparison skipped: ${PYTHON} with pydicom and numpy is not available (Debian: apt-get install python3-pydicom python3-numpy)`);
}

/** One rendered frame as `vesalius render --json` prints it. */
type Applied = AppliedRendering & { file: string; output: string };
interface RenderJson {
  rendered: Applied[];
  failed: Array<{ file: string; frame?: number; reason: string }>;
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Files where pydicom's reading is known to differ from ours, with why; compared after the stated fix.
 * SC_rgb_jpeg_lossy_gdcm is labelled RGB but its JPEG stream is YCbCr (component ids 1, 2, 3, separate
 * luma and chroma tables: libjpeg's signature of YCbCr); pydicom takes the label literally and hands
 * back YCbCr samples (its first pixel (76, 85, 255) is red in YCbCr), so its reference is converted.
 */
const REFERENCE_IS_YBR = new Set(['pydicom/SC_rgb_jpeg_lossy_gdcm.dcm']);

/**
 * Accepted images that are not rendered, and why that is right: pydicom cannot decode them either.
 * Any other refusal fails the test.
 */
const KNOWN_UNRENDERABLE: Record<string, RegExp> = {
  // A (FFFE,E0DD) delimiter inside the codestream: its SIZ says 3,722,445,056 columns (OpenJPEG would read
  // 14,540,801 tiles; pydicom's Pillow a 3.8-Tpixel image), so it is refused before decoding.
  'pydicom/JPEG2000-embedded-sequence-delimiter.dcm': /^the JPEG 2000 stream of frame 1 declares 3722445056 × 1024 × 1 sample\(s\), but the header says 256 × 1024 × 1/,
};

/** Words that only a JavaScript engine or a library's internals would print. */
const ENGINE_WORDS = /Cannot read properties|is not a function|is not defined|Maximum call stack|RangeError|TypeError|ReferenceError|\bat [A-Za-z.]+ \(|undefined \(reading/;

let outDir = '';
let doc: RenderJson;
const accepted = new Map<string, string>(); // file → transfer syntax UID

beforeAll(async () => {
  if (!haveData || !dicomDir) return;
  outDir = await mkdtemp(path.join(tmpdir(), 'vesalius-render-real-'));
  const scan = await scanPaths([dicomDir], { concurrency: 2 });
  scan.outcomes.forEach((outcome, i) => {
    if (outcome.kind === 'instance') accepted.set(scan.inspected[i], outcome.record.instance.transferSyntaxUid);
  });
  const run = spawnSync(path.join(projectRoot, 'bin', 'vesalius'), ['render', dicomDir, '--out', outDir, '--json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (run.status !== 0 && run.status !== 1) throw new Error(`vesalius render exited ${run.status}: ${run.stderr}`);
  doc = JSON.parse(run.stdout) as RenderJson;
}, 180_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe.skipIf(!haveData)('vesalius render on <data>/dicom', () => {
  it('renders every image the index accepts, or names why not', () => {
    expect(accepted.size).toBeGreaterThan(0);
    const renderedFiles = new Set(doc.rendered.map((r) => r.file));
    const failedFiles = new Set(doc.failed.map((f) => f.file));
    const counts = new Map<string, { rendered: number; refused: string[] }>();
    for (const [file, uid] of accepted) {
      // Exactly one of: its PNG(s), or its reason.
      expect(renderedFiles.has(file) || failedFiles.has(file), file).toBe(true);
      const name = `${transferSyntaxName(uid)} (${uid})`;
      const entry = counts.get(name) ?? { rendered: 0, refused: [] };
      if (renderedFiles.has(file) && !failedFiles.has(file)) entry.rendered++;
      else entry.refused.push(`${path.relative(dicomDir!, file)}: ${doc.failed.find((f) => f.file === file)?.reason}`);
      counts.set(name, entry);
    }
    for (const failure of doc.failed) {
      expect(failure.reason.length, failure.file).toBeGreaterThan(10);
      expect(failure.reason, failure.file).not.toMatch(ENGINE_WORDS);
    }
    for (const r of doc.rendered) expect(existsSync(r.output), r.output).toBe(true);
    const lines = [...counts.entries()].sort().map(([name, c]) => `  ${name}: ${c.rendered} rendered, ${c.refused.length} refused${c.refused.map((r) => `\n      ${r}`).join('')}`);
    const renderedImages = [...counts.values()].reduce((n, c) => n + c.rendered, 0);
    console.log(`vesalius render: ${accepted.size} images the index accepts → ${renderedImages} rendered (${doc.rendered.length} PNGs), ${accepted.size - renderedImages} refused\n${lines.join('\n')}`);
    for (const failure of doc.failed.filter((f) => accepted.has(f.file))) {
      const known = KNOWN_UNRENDERABLE[path.relative(dicomDir!, failure.file).split(path.sep).join('/')];
      expect(known ? failure.reason : `${failure.file}: ${failure.reason}`).toMatch(known ?? /^(?!)/);
    }
  });

  it.skipIf(!havePydicom)('matches pydicom after the same LUTs (correlation ≥ 0.99 per image)', () => {
    // One job per file (its first and last frame), so a long multi-frame file does not dominate.
    const jobs: Array<Applied & { out: string }> = [];
    const byFile = new Map<string, Applied[]>();
    for (const r of doc.rendered) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
    for (const frames of byFile.values()) {
      const picks = frames.length > 1 ? [frames[0], frames[frames.length - 1]] : frames;
      for (const r of picks) jobs.push({ ...r, out: path.join(outDir, `pydicom-${jobs.length}.u8`) });
    }
    const run = spawnSync(PYTHON, [path.join(projectRoot, 'core', 'render', 'pydicom_reference.py')], {
      input: JSON.stringify(
        jobs.map(({ file, frame, window, rescale, voiLut, out }) => ({ file, frame, window, rescale, voiLut: voiLut !== undefined, out, referenceIsYbr: REFERENCE_IS_YBR.has(path.relative(dicomDir!, file).split(path.sep).join('/')) })),
      ),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { index: number; ok: boolean; shape?: number[]; reason?: string });
    expect(results).toHaveLength(jobs.length);

    const compared: Array<{ name: string; correlation: number }> = [];
    const notDecoded: string[] = [];
    for (const result of results) {
      const job = jobs[result.index];
      const name = `${path.relative(dicomDir!, job.file)}${job.numberOfFrames > 1 ? ` frame ${job.frame}` : ''}`;
      if (!result.ok) {
        notDecoded.push(`${name}: ${result.reason}`);
        continue;
      }
      const reference = readFileSync(job.out);
      const png = PNG.sync.read(readFileSync(job.output));
      const channels = reference.length / (png.width * png.height);
      expect([png.width, png.height], name).toEqual([job.columns, job.rows]);
      expect([1, 3], name).toContain(channels);
      const ours = new Float64Array(reference.length);
      for (let p = 0; p < png.width * png.height; p++) for (let c = 0; c < channels; c++) ours[p * channels + c] = png.data[p * 4 + c];
      compared.push({ name, correlation: correlation(ours, reference) });
    }
    compared.sort((a, b) => a.correlation - b.correlation);
    console.log(
      `pydicom comparison: ${compared.length} frames compared, min correlation ${compared[0]?.correlation.toFixed(5)} (${compared[0]?.name}); ` +
        `${notDecoded.length} not decodable by pydicom:\n${notDecoded.map((n) => `  ${n}`).join('\n')}`,
    );
    expect(compared.length).toBeGreaterThan(50);
    const below = compared.filter((c) => !(c.correlation >= 0.99)).map((c) => `${c.name}: ${c.correlation.toFixed(4)}`);
    expect(below).toEqual([]);
  });
});

/** Pearson correlation; two constant images correlate 1 when equal. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  if (varA === 0 && varB === 0) return meanA === meanB ? 1 : 0;
  if (varA === 0 || varB === 0) return 0;
  return cov / Math.sqrt(varA * varB);
}
