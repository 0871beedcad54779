/**
 * The files the fuzz run starts from: the generated DICOM corpus (every transfer syntax we write,
 * plus one file per rejection the importer knows), generated masks (PNG, NIfTI, .nii.gz, DICOM SEG
 * of each type) and, when the data directory is present, every file under `<data>/dicom` (SEGs
 * among them are mask seeds too).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeImportCorpus } from '../fixtures/corpus';
import { labelPng, niftiFile, rawPng, rgbPng, segFile } from '../masks/mask-fixtures';
import { DEFLATED_LE, EXPLICIT_BE, IMPLICIT_LE } from '../dicom/transfer-syntax';
import { seededRandom } from '../metrics/test-volumes';
import type { SeedFormat } from './mutate';
import type { ReaderName } from './readers';

export interface Seed {
  /** Where it came from, for the report: a fixture name or a path under the data directory. */
  name: string;
  reader: ReaderName;
  format: SeedFormat;
  encoding: { explicit: boolean; littleEndian: boolean };
  bytes: Uint8Array;
}

const LE_EXPLICIT = { explicit: true, littleEndian: true };

/** Format and encoding of DICOM bytes, from the meta header's Transfer Syntax UID. */
export function dicomFormat(bytes: Uint8Array): { format: SeedFormat; encoding: { explicit: boolean; littleEndian: boolean } } {
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 1024))).toString('latin1');
  const uid = /\x02\x00\x10\x00UI(..)([0-9.]+)/s.exec(head)?.[2] ?? '';
  if (uid === DEFLATED_LE) return { format: 'dicom-deflated', encoding: LE_EXPLICIT };
  if (uid === IMPLICIT_LE || (uid === '' && !head.includes('DICM'))) return { format: 'dicom', encoding: { explicit: false, littleEndian: true } };
  if (uid === EXPLICIT_BE) return { format: 'dicom', encoding: { explicit: true, littleEndian: false } };
  return { format: 'dicom', encoding: LE_EXPLICIT };
}

const isSegBytes = (bytes: Uint8Array): boolean => Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1').includes('1.2.840.10008.5.1.4.1.1.66.');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Generated DICOM seeds, written under `workDir` by the project's own fixture writers. */
async function generatedDicomSeeds(workDir: string): Promise<Seed[]> {
  const corpus = await writeImportCorpus(path.join(workDir, 'corpus'), { rows: 16, slices: 2 });
  const seeds: Seed[] = [];
  for (const file of [...corpus.expected.keys()].sort()) {
    const bytes = await readFile(file);
    seeds.push({ name: `corpus/${path.relative(corpus.root, file)}`, reader: 'dicom-index', ...dicomFormat(bytes), bytes });
  }
  return seeds;
}

/** Generated mask seeds: every format and variant the mask readers take. */
function generatedMaskSeeds(): Seed[] {
  const random = seededRandom(7);
  const labels = (n: number, max: number): number[] => Array.from({ length: n }, () => Math.floor(random() * (max + 1)));
  const png = (name: string, bytes: Uint8Array): Seed => ({ name, reader: 'mask', format: 'png', encoding: LE_EXPLICIT, bytes });
  const nifti = (name: string, bytes: Uint8Array, gz: boolean): Seed => ({ name, reader: 'mask', format: gz ? 'nifti-gz' : 'nifti', encoding: LE_EXPLICIT, bytes });
  const seg = (name: string, bytes: Uint8Array): Seed => ({ name, reader: 'mask', format: 'dicom', encoding: LE_EXPLICIT, bytes });
  const frame = (segmentNumber: number, zMm: number, n: number, max = 1) => ({ segmentNumber, zMm, pixels: labels(n, max) });
  const filtered = new Uint8Array(4 * (1 + 4)); // 4 rows of 4 samples, filter type 0
  return [
    png('label-8bit.png', labelPng(8, 6, labels(48, 3))),
    png('label-16bit.png', labelPng(5, 4, labels(20, 700), 16)),
    png('label-rgb.png', rgbPng(3, 2, [[1, 1, 1], [2, 2, 2], [0, 0, 0], [3, 3, 3], [1, 1, 1], [0, 0, 0]])),
    png('raw-4x4.png', rawPng({ width: 4, height: 4, filteredRows: filtered })),
    png('raw-4x4-interlaced.png', rawPng({ width: 4, height: 4, interlaced: true, filteredRows: new Uint8Array(64) })),
    nifti('uint8.nii', niftiFile({ shape: [4, 3, 2], values: labels(24, 3), datatype: 'uint8' }), false),
    nifti('int16.nii', niftiFile({ shape: [4, 3, 2], values: labels(24, 300), datatype: 'int16' }), false),
    nifti('float32-scaled.nii', niftiFile({ shape: [3, 3, 2], values: labels(18, 4), datatype: 'float32', sclSlope: 2, sclInter: 1 }), false),
    nifti('uint16.nii.gz', niftiFile({ shape: [4, 4, 3], values: labels(48, 5), datatype: 'uint16', gzip: true }), true),
    nifti('float64.nii.gz', niftiFile({ shape: [4, 2, 2], values: labels(16, 2), datatype: 'float64', gzip: true }), true),
    seg('binary.seg.dcm', segFile({ type: 'BINARY', rows: 6, columns: 5, segments: [{ number: 1, label: 'a' }, { number: 2, label: 'b' }], frames: [frame(1, 0, 30), frame(2, 0, 30), frame(1, 2.5, 30)], referencedSeriesUid: '1.2.3', referencedSopInstanceUids: ['1.2.3.1', '1.2.3.2'] })),
    seg('fractional.seg.dcm', segFile({ type: 'FRACTIONAL', rows: 4, columns: 4, segments: [{ number: 1, label: 'p' }], frames: [frame(1, 0, 16, 255), frame(1, 1, 16, 255)], maxFractional: 255 })),
    seg('labelmap-8.seg.dcm', segFile({ type: 'LABELMAP', rows: 4, columns: 5, segments: [{ number: 1, label: 'x' }, { number: 2, label: 'y' }], frames: [frame(0, 0, 20, 2), frame(0, 3, 20, 2)] })),
    seg('labelmap-16.seg.dcm', segFile({ type: 'LABELMAP', labelMapBits: 16, pixelPaddingValue: 65535, rows: 3, columns: 3, segments: [{ number: 300, label: 'z' }], frames: [frame(0, 0, 9, 300)] })),
  ];
}

/** Every file under `<data>/dicom`: DICOM seeds for the indexer, and SEGs also for the mask reader. */
async function dataSeeds(dataDir: string): Promise<Seed[]> {
  const root = path.join(dataDir, 'dicom');
  let files: string[];
  try {
    files = await filesUnder(root);
  } catch {
    return [];
  }
  const seeds: Seed[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    if (bytes.length > 16 * 2 ** 20) continue; // mutated copies of big files would cost more than they find
    const name = `data/dicom/${path.relative(root, file)}`;
    const { format, encoding } = dicomFormat(bytes);
    seeds.push({ name, reader: 'dicom-index', format, encoding, bytes });
    if (isSegBytes(bytes)) seeds.push({ name, reader: 'mask', format, encoding, bytes });
  }
  return seeds;
}

export async function loadSeeds(workDir: string, dataDir: string | null): Promise<Seed[]> {
  const seeds = [...(await generatedDicomSeeds(workDir)), ...generatedMaskSeeds()];
  if (dataDir) seeds.push(...(await dataSeeds(dataDir)));
  return seeds;
}
