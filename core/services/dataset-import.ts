// A PNG dataset folder is one more import source (VolView's importDataSources idea): its images become DICOM
// files in the data home, imported into the catalog like any folder, and its masks expert segmentations.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError } from '../contract/dicom';
import { convertPngDataset, datasetOutputDir, detectPngDataset, type DatasetConversion, type ReadDatasetImage } from '../datasets/png-dataset';

/** Who the store records as the author of a dataset's masks. */
export const DATASET_AUTHOR = 'dataset import';

export interface ExpandedImport {
  /** What the catalog imports: the paths that are not datasets, and each dataset's converted folder. */
  paths: string[];
  conversions: DatasetConversion[];
  /** Dataset images that could not be converted, as import errors (the file and the reason). */
  errors: ImportError[];
}

const isFolder = async (p: string): Promise<boolean> => {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false; // the catalog import reports why it cannot be read
  }
};

/** Replaces every PNG dataset folder among `paths` by the DICOM folder converted from it. */
export async function expandPngDatasets(
  paths: readonly string[],
  datasetsHome: string,
  /** readImage: decodes each image off the main thread (the service's core/sandbox reader). */
  opts: { signal: AbortSignal; onProgress: (done: number, total: number) => void; readImage: ReadDatasetImage },
): Promise<ExpandedImport> {
  const expanded: ExpandedImport = { paths: [], conversions: [], errors: [] };
  for (const p of paths) {
    const dataset = (await isFolder(p)) ? await detectPngDataset(p) : null;
    if (!dataset) {
      expanded.paths.push(p);
      continue;
    }
    const outDir = await datasetOutputDir(datasetsHome, dataset);
    const conversion = await convertPngDataset(dataset, outDir, opts);
    expanded.paths.push(outDir);
    expanded.conversions.push(conversion);
    for (const error of conversion.errors) expanded.errors.push({ path: error.path, code: 'malformed', reason: error.reason });
    for (const mask of dataset.masksWithoutImage) {
      expanded.errors.push({ path: mask, code: 'mask_rejected', reason: `no image named ${path.basename(mask)} in ${path.join(dataset.root, 'images')}` });
    }
  }
  return expanded;
}

/** Opens a mask file on a series as an expert segmentation: null when stored, else the reason. */
export type OpenExpertMask = (maskPath: string, seriesKey: string) => Promise<string | null>;

/** Stores every converted case's mask as an expert segmentation of its series; failures come back as import errors. */
export async function attachDatasetMasks(
  conversions: readonly DatasetConversion[],
  openExpertMask: OpenExpertMask,
  signal: AbortSignal,
): Promise<{ stored: number; errors: ImportError[] }> {
  let stored = 0;
  const errors: ImportError[] = [];
  for (const conversion of conversions) {
    for (const oneCase of conversion.converted) {
      if (signal.aborted) return { stored, errors };
      if (!oneCase.maskPath) continue;
      const problem = await openExpertMask(oneCase.maskPath, oneCase.seriesInstanceUid);
      if (problem === null) stored++;
      else errors.push({ path: oneCase.maskPath, code: 'mask_rejected', reason: problem });
    }
  }
  return { stored, errors };
}
