// Research datasets of PNG image/mask pairs (e.g. lung-ct/val: images/*.png = HU + 1024 in 16 bits,
// masks/*.png = 8-bit labels) become DICOM series the catalog and viewer treat like any study.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodePart10, uidFromText } from '../dicom/part10-writer';
import { decodeGrayPng, type GrayPng } from '../masks/png';
import { DEFAULT_HU_OFFSET } from './hu-offset';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

// In a module of its own so the reader threads (core/sandbox/model-input.ts) take it without this file's imports.
export { DEFAULT_HU_OFFSET };

export interface PngDatasetCase {
  /** The file name without `.png`, shared by the image and its mask. */
  key: string;
  imagePath: string;
  /** The expert mask with the same name, or null when the case has none. */
  maskPath: string | null;
}

export interface PngDataset {
  /** The dataset folder as given, resolved. */
  root: string;
  /** A readable name: the folder and its parent (`lung-ct/val`). */
  name: string;
  cases: PngDatasetCase[];
  /** Mask files with no image of the same name: reported, never dropped silently. */
  masksWithoutImage: string[];
}

export interface ConvertedCase extends PngDatasetCase {
  /** The DICOM file written for the image (or found up to date from an earlier import). */
  dicomPath: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

export interface DatasetConversion {
  dataset: PngDataset;
  converted: ConvertedCase[];
  /** Images that could not be converted, each with its reason. */
  errors: { path: string; reason: string }[];
}

const pngFiles = async (dir: string): Promise<string[] | null> => {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.png') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return null;
  }
};

const stem = (fileName: string): string => fileName.slice(0, -'.png'.length);

/**
 * A folder is a PNG dataset when it has an `images/` subfolder holding PNG files; `masks/` beside it (optional)
 * holds the expert masks, paired by file name. Null for any other folder (it is then imported as DICOM).
 */
export async function detectPngDataset(dir: string): Promise<PngDataset | null> {
  const root = path.resolve(dir);
  const images = await pngFiles(path.join(root, 'images'));
  if (!images || images.length === 0) return null;
  const masks = (await pngFiles(path.join(root, 'masks'))) ?? [];
  const maskByKey = new Map(masks.map((name) => [stem(name), name]));
  const cases = images.map((name) => {
    const mask = maskByKey.get(stem(name));
    return { key: stem(name), imagePath: path.join(root, 'images', name), maskPath: mask ? path.join(root, 'masks', mask) : null };
  });
  const imageKeys = new Set(images.map(stem));
  const masksWithoutImage = masks.filter((name) => !imageKeys.has(stem(name))).map((name) => path.join(root, 'masks', name));
  return { root, name: `${path.basename(path.dirname(root))}/${path.basename(root)}`, cases, masksWithoutImage };
}

const dicomDate = (time: Date): string => time.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (time: Date): string => time.toISOString().slice(11, 19).replace(/:/g, '');

/** DICOM LO values are at most 64 characters. */
const lo = (text: string): string => (text.length <= 64 ? text : `${text.slice(0, 61)}...`);

/** Where a dataset's converted files live in the data home: one folder per dataset, named by its real path. */
export async function datasetOutputDir(datasetsHome: string, dataset: PngDataset): Promise<string> {
  const real = await realpath(dataset.root);
  return path.join(datasetsHome, createHash('sha256').update(real).digest('hex').slice(0, 16));
}

/** Reads and decodes one dataset image: in this process by default; the app passes core/sandbox's reader thread. */
export type ReadDatasetImage = (imagePath: string) => Promise<GrayPng>;

const readImageInProcess: ReadDatasetImage = async (imagePath) => decodeGrayPng(await readFile(imagePath), imagePath, 'a dataset image');

/**
 * Writes one DICOM file per image into `outDir`. UIDs are derived from the dataset's real path and the case
 * name, so importing the same dataset again finds the same study and series (and the catalog skips unchanged
 * files); a file already newer than its PNG is not rewritten. Pixel spacing is unknown in a PNG: 1 mm is
 * written and the series says so.
 */
export async function convertPngDataset(
  dataset: PngDataset,
  outDir: string,
  opts: { huOffset?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; readImage?: ReadDatasetImage } = {},
): Promise<DatasetConversion> {
  const huOffset = opts.huOffset ?? DEFAULT_HU_OFFSET;
  const readImage = opts.readImage ?? readImageInProcess;
  const real = await realpath(dataset.root);
  await mkdir(outDir, { recursive: true });
  const studyInstanceUid = uidFromText(`vesalius png dataset study\n${real}`);
  const frameOfReferenceUid = uidFromText(`vesalius png dataset frame of reference\n${real}`);
  const patientId = lo(`dataset-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`);
  const converted: ConvertedCase[] = [];
  const errors: { path: string; reason: string }[] = [];
  const total = dataset.cases.length;
  opts.onProgress?.(0, total);

  for (const [index, oneCase] of dataset.cases.entries()) {
    if (opts.signal?.aborted) throw new Error('dataset import cancelled');
    const seriesInstanceUid = uidFromText(`vesalius png dataset series\n${real}\n${oneCase.key}`);
    const dicomPath = path.join(outDir, `${oneCase.key.replace(/[^A-Za-z0-9._-]/g, '_')}.dcm`);
    try {
      const imageStat = await stat(oneCase.imagePath);
      const written = await stat(dicomPath).catch(() => null);
      if (!written || written.mtimeMs < imageStat.mtimeMs) {
        const gray = await readImage(oneCase.imagePath);
        const is16 = gray.bitDepth === 16;
        const dataset_ = {
          SpecificCharacterSet: 'ISO_IR 192',
          ImageType: ['DERIVED', 'SECONDARY'],
          SOPClassUID: is16 ? CT_IMAGE_STORAGE : SECONDARY_CAPTURE_STORAGE,
          SOPInstanceUID: uidFromText(`vesalius png dataset instance\n${real}\n${oneCase.key}`),
          StudyDate: dicomDate(imageStat.mtime),
          StudyTime: dicomTime(imageStat.mtime),
          AccessionNumber: '',
          Modality: is16 ? 'CT' : 'OT',
          ConversionType: 'WSD',
          Manufacturer: 'Vesalius PNG dataset import',
          ReferringPhysicianName: '',
          StudyDescription: lo(`PNG dataset ${dataset.name}`),
          SeriesDescription: lo(oneCase.key),
          PatientName: lo(dataset.name),
          PatientID: patientId,
          PatientBirthDate: '',
          PatientSex: '',
          StudyInstanceUID: studyInstanceUid,
          SeriesInstanceUID: seriesInstanceUid,
          FrameOfReferenceUID: frameOfReferenceUid,
          StudyID: '1',
          SeriesNumber: index + 1,
          InstanceNumber: 1,
          ImageComments: lo(`from ${path.basename(oneCase.imagePath)}; spacing unknown, 1 mm assumed`),
          ImagePositionPatient: [0, 0, 0],
          ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
          PixelSpacing: [1, 1],
          SliceThickness: 1,
          SamplesPerPixel: 1,
          PhotometricInterpretation: 'MONOCHROME2',
          Rows: gray.height,
          Columns: gray.width,
          BitsAllocated: is16 ? 16 : 8,
          BitsStored: is16 ? 16 : 8,
          HighBit: is16 ? 15 : 7,
          PixelRepresentation: 0,
          ...(is16
            ? { RescaleIntercept: -huOffset, RescaleSlope: 1, RescaleType: 'HU', WindowCenter: -600, WindowWidth: 1500, KVP: '' }
            : {}),
        };
        const pixels = new Uint8Array(gray.values.buffer, gray.values.byteOffset, gray.values.byteLength);
        const part10 = encodePart10(dataset_, EXPLICIT_VR_LITTLE_ENDIAN, { frames: [pixels], vr: is16 ? 'OW' : 'OB' });
        // Written beside and renamed: a cancelled or killed import never leaves half a file the catalog would read.
        const partial = `${dicomPath}.partial`;
        await writeFile(partial, part10);
        await rename(partial, dicomPath);
      }
      converted.push({ ...oneCase, dicomPath, studyInstanceUid, seriesInstanceUid });
    } catch (e) {
      errors.push({ path: oneCase.imagePath, reason: e instanceof Error ? e.message : String(e) });
    }
    opts.onProgress?.(index + 1, total);
  }
  return { dataset, converted, errors };
}
