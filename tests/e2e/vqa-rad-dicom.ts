// Real radiology images as a "mixed folder" of DICOM files for the archive-search e2e: VQA-RAD's JPEGs (chest
// X-rays, abdominal CT, head MR, as its MODALITY questions answer) written as 8-bit Secondary Capture files of
// their modality, one study per image. Read from the data directory, written to a scratch folder, never committed.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { resolveDataDir } from '../../core/config/data-dir';
import { encodePart10, newUid } from '../../core/fixtures/dicom-writer';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** The VQA-RAD folder of the data directory, or null where it is absent. */
export function vqaRadFolder(): string | null {
  const dataDir = resolveDataDir();
  const folder = dataDir ? path.join(dataDir, 'vqa-rad') : null;
  return folder && existsSync(path.join(folder, 'images')) && existsSync(path.join(folder, 'trainset.json')) ? folder : null;
}

interface VqaRadPair {
  image_name: string;
  image_organ: string;
  question_type: string;
  answer: string | number;
}

type Kind = 'chest-xray' | 'abdomen-ct' | 'head-mr';

/** What an image is, from the answers to its MODALITY questions; null when they do not say. */
function kindOf(pair: VqaRadPair): Kind | null {
  if (pair.question_type !== 'MODALITY') return null;
  const answer = String(pair.answer).toLowerCase();
  if (pair.image_organ === 'CHEST' && /x-? ?ray|\bpa\b|radiograph/.test(answer)) return 'chest-xray';
  if (pair.image_organ === 'ABD' && answer === 'ct') return 'abdomen-ct';
  if (pair.image_organ === 'HEAD' && /\bmri?\b|flair|t2|dwi/.test(answer)) return 'head-mr';
  return null;
}

const MODALITY: Record<Kind, { modality: string; description: string }> = {
  'chest-xray': { modality: 'DX', description: 'Chest PA' },
  'abdomen-ct': { modality: 'CT', description: 'Abdomen axial' },
  'head-mr': { modality: 'MR', description: 'Brain axial' },
};

export interface WrittenImage {
  file: string;
  sopInstanceUid: string;
  kind: Kind;
}

/**
 * Writes `perKind` images of each kind (chest X-ray, abdominal CT, head MR) into `dir`, the first by image name of
 * each so every run writes the same images. Returns the chest X-rays and the others apart.
 */
export async function writeVqaRadSeries(dir: string, perKind: number): Promise<{ chestXray: WrittenImage[]; other: WrittenImage[] }> {
  const folder = vqaRadFolder();
  if (!folder) throw new Error('VQA-RAD is not in the data directory');
  const pairs: VqaRadPair[] = [
    ...(JSON.parse(await readFile(path.join(folder, 'trainset.json'), 'utf8')) as VqaRadPair[]),
    ...(JSON.parse(await readFile(path.join(folder, 'testset.json'), 'utf8')) as VqaRadPair[]),
  ];
  const byKind = new Map<Kind, Set<string>>();
  for (const pair of pairs) {
    const kind = kindOf(pair);
    if (kind) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(pair.image_name));
  }
  await mkdir(dir, { recursive: true });
  const written: WrittenImage[] = [];
  for (const kind of Object.keys(MODALITY) as Kind[]) {
    const names = [...(byKind.get(kind) ?? [])].sort().slice(0, perKind);
    for (const name of names) written.push(await writeOne(path.join(folder, 'images', name), dir, kind));
  }
  return { chestXray: written.filter((w) => w.kind === 'chest-xray'), other: written.filter((w) => w.kind !== 'chest-xray') };
}

async function writeOne(jpegPath: string, dir: string, kind: Kind): Promise<WrittenImage> {
  const decoded = jpeg.decode(await readFile(jpegPath), { useTArray: true, formatAsRGBA: true });
  const { width: columns, height: rows, data } = decoded;
  // Luminance of the RGBA samples (the images are grey; some are stored as colour JPEGs).
  const gray = new Uint8Array(rows * columns);
  for (let p = 0; p < gray.length; p++) gray[p] = Math.round(0.299 * data[4 * p] + 0.587 * data[4 * p + 1] + 0.114 * data[4 * p + 2]);
  const { modality, description } = MODALITY[kind];
  const sopInstanceUid = newUid();
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['DERIVED', 'SECONDARY'],
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: sopInstanceUid,
    StudyDate: '20260101',
    Modality: modality,
    ConversionType: 'DF',
    StudyDescription: `VQA-RAD ${path.basename(jpegPath)}`,
    SeriesDescription: description,
    PatientName: `VqaRad^${path.basename(jpegPath, '.jpg')}`,
    PatientID: path.basename(jpegPath, '.jpg'),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    StudyID: '1',
    SeriesNumber: 1,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
  };
  const file = path.join(dir, `${path.basename(jpegPath, '.jpg')}.dcm`);
  await writeFile(file, encodePart10(dataset, EXPLICIT_LE, { frames: [gray], vr: 'OB' }));
  return { file, sopInstanceUid, kind };
}
