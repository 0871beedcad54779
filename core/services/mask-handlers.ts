import { stat } from 'node:fs/promises';
import path from 'node:path';
import { contentFromMaskSet, importProvenance } from '../annotations/from-mask-set';
import type { Role, SegmentationContent } from '../annotations/model';
import type { Series } from '../contract/dicom';
import { MAX_MASK_DATA_BYTES, type maskCalls, type MaskOpenError, type MaskSetInfo } from '../contract/masks';
import { err, ok, type ApiError, type Result } from '../contract/result';
import { MaskReadError } from '../masks/mask-error';
import type { MaskSet } from '../masks/read-mask';
import { sharedReaderSandbox } from '../sandbox/reader-sandbox';
import type { Emit } from '../transport/event-bus';
import type { DomainHandlers } from './context';
import { apiErrorOf, bytesPerVoxel, maskInfoOf, type MaskStore, sliceAs, type StoredMask } from './mask-store';
import type { AgreementCallName } from './agreement-handlers';
import type { StoredMaskCallName } from './store-handlers';
import type { ExportCallName } from './export-handlers';
import { scoreDatasetFolders, scoreMaskPair } from './mask-scoring';
import { fitToSeries } from './mask-series-fit';
import { DatasetScoreJobs } from './dataset-jobs';
import { JobRegistry } from '../jobs/job-registry';
import { ioErrorText } from '../fs/io-error';

export interface MaskHandlerDeps {
  /** Reads any mask file: readMaskFile on a reader thread (core/sandbox; the shared one by default); tests pass their own. */
  readMask?: (filePath: string) => Promise<MaskSet>;
  /** The imported series with this uid, or null when it is not (yet) imported this session. */
  findSeries: (seriesInstanceUid: string) => Series | null;
  /** The annotation store the masks are imported into and read from. */
  masks: MaskStore;
  /** Who imports when a call names no author (the OS user name of the service). */
  defaultAuthor: string;
  /** store.changed after an import, so other windows list again. */
  emit?: Emit;
  /** Refuses a path outside the folders the user granted (the catalog's checkGranted); tests may leave it out (all allowed). */
  checkPath?: (path: string) => Result<string>;
  /** Runs masks.startDatasetScore as a job; its progress and result come through the jobs.* calls of that registry. */
  datasetJobs?: DatasetScoreJobs;
}

const formatShape = (shape: readonly number[]): string => shape.join('×');
const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Why a path cannot be a dataset folder, or null when it is one. */
async function folderProblem(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? null : 'is a file, not a folder';
  } catch (e) {
    return ioErrorText(e);
  }
}

/** Why two paths cannot be a dataset's truth and prediction folders, naming the side; null when both are folders. */
export async function foldersProblem(truthDir: string, predDir: string): Promise<string | null> {
  for (const [side, dir] of [['truth', truthDir], ['prediction', predDir]] as const) {
    const problem = await folderProblem(dir);
    if (problem) return `${side} folder ${dir}: ${problem}`;
  }
  return null;
}

/** One segment's 0/1 voxels [start, end) as uint8; a listed segment with no stored voxels answers zeros. */
function segmentSlices(mask: StoredMask, segment: number, start: number, end: number): Uint8Array {
  const own = mask.maskSet.segments?.get(segment)?.volume.data;
  const out = new Uint8Array(end - start);
  if (!own) return out;
  for (let i = start; i < end; i++) out[i - start] = own[i] ? 1 : 0;
  return out;
}

export function createMaskHandlers(deps: MaskHandlerDeps): DomainHandlers<Omit<typeof maskCalls, StoredMaskCallName | AgreementCallName | ExportCallName>> {
  const { masks } = deps;
  const readMask = deps.readMask ?? sharedReaderSandbox().readMask;
  /** The first refused path as a `forbidden` error for this call, or null when all are granted. */
  const refused = (call: string, paths: string[]): { ok: false; error: ApiError } | null => {
    for (const p of paths) {
      const granted = deps.checkPath?.(p);
      if (granted && !granted.ok) return err('forbidden', `${call}: ${granted.error.message}`);
    }
    return null;
  };
  const datasetJobs = deps.datasetJobs ?? new DatasetScoreJobs(new JobRegistry(), readMask);

  /** Reads one file, checks it against its series and imports it into the store; a reason string on failure. */
  const openOne = async (filePath: string, callerSeriesUid: string | undefined, role: Role, author: string): Promise<MaskSetInfo | string> => {
    let read: MaskSet;
    try {
      read = await readMask(filePath);
    } catch (e) {
      // The error list pairs each reason with its path; a MaskReadError's message already starts with it.
      return e instanceof MaskReadError && e.filePath === filePath ? e.reason : describeError(e);
    }
    const fileSeriesUid = read.referencedSeriesUid ?? null;
    if (fileSeriesUid && callerSeriesUid && fileSeriesUid !== callerSeriesUid) {
      return `the file segments series ${fileSeriesUid}, not the chosen series ${callerSeriesUid}`;
    }
    const seriesUid = fileSeriesUid ?? callerSeriesUid ?? null;
    if (seriesUid) {
      const series = deps.findSeries(seriesUid);
      // A SEG may arrive before its images; only a series we know can be checked.
      if (series) {
        const fitted = await fitToSeries(filePath, read, series);
        if (typeof fitted === 'string') return fitted;
        read = fitted;
      } else if (!fileSeriesUid) {
        return `series ${seriesUid} is not open; open its images first`;
      }
    }
    // A stored segmentation belongs to a series.
    if (!seriesUid) return 'no series: choose the series the mask belongs to (a NIfTI or PNG does not name one)';
    let content: SegmentationContent;
    try {
      content = contentFromMaskSet(read);
    } catch (e) {
      return describeError(e);
    }
    const earlier = masks.handle.use((store) => store.findImport(seriesUid, filePath, content));
    if (!earlier.ok) return earlier.error.message;
    if (earlier.value) return maskInfoOf(earlier.value, earlier.value.head, false);
    const created = masks.handle.use((store) =>
      store.create({
        seriesKey: seriesUid,
        name: path.basename(filePath),
        provenance: importProvenance(read, role, author),
        content,
        spacingMm: read.volume.spacingMm,
        action: 'import',
        ...(read.importNote ? { note: read.importNote } : {}),
      }),
    );
    if (!created.ok) return created.error.message;
    deps.emit?.('store.changed', { seriesKey: seriesUid });
    return maskInfoOf(created.value, created.value.head, false);
  };

  return {
    'masks.open': async ({ paths, seriesInstanceUid, role, author }) => {
      const forbidden = refused('masks.open', paths);
      if (forbidden) return forbidden;
      const opened: MaskSetInfo[] = [];
      const errors: MaskOpenError[] = [];
      for (const filePath of paths) {
        const outcome = await openOne(filePath, seriesInstanceUid, role, author ?? deps.defaultAuthor);
        if (typeof outcome === 'string') errors.push({ path: filePath, reason: outcome });
        else opened.push(outcome);
      }
      return ok({ opened, errors });
    },

    'masks.list': async ({ seriesKey }) => {
      const listed = masks.handle.use((store) => store.list(seriesKey));
      return listed.ok ? ok({ maskSets: listed.value.map((r) => maskInfoOf(r, r.head, false)) }) : apiErrorOf(listed.error);
    },

    'masks.data': async ({ maskSetId, version, zStart, zCount, segment }) => {
      const loaded = masks.load(maskSetId, version);
      if (!loaded.ok) return apiErrorOf(loaded.error);
      const mask = loaded.value;
      const [width, height, depth] = mask.info.shape;
      if (zStart >= depth) return err('bad_input', `masks.data: zStart ${zStart} is past the last slice (${depth} slices)`);
      if (segment !== undefined && !mask.info.segments.some((s) => s.number === segment)) {
        const numbers = mask.info.segments.map((s) => s.number).join(', ') || 'none';
        return err('bad_input', `masks.data: segmentation ${mask.info.name} has no segment ${segment} (its segments: ${numbers})`);
      }
      const count = Math.min(zCount ?? depth - zStart, depth - zStart);
      // A segment's own mask is 0/1, one byte a voxel.
      const dtype = segment === undefined ? mask.dtype : 'uint8';
      const sliceVoxels = width * height;
      const byteCount = sliceVoxels * count * bytesPerVoxel(dtype);
      if (byteCount > MAX_MASK_DATA_BYTES) {
        const fit = Math.max(1, Math.floor(MAX_MASK_DATA_BYTES / (sliceVoxels * bytesPerVoxel(dtype))));
        return err('bad_input', `masks.data: ${count} slices are ${byteCount} bytes, over the ${MAX_MASK_DATA_BYTES}-byte limit; ask for at most ${fit} slices at a time`);
      }
      const start = zStart * sliceVoxels;
      const end = start + count * sliceVoxels;
      const labels = segment === undefined ? sliceAs(mask.maskSet.volume.data, dtype, start, end) : segmentSlices(mask, segment, start, end);
      return ok({ maskSetId, shape: mask.info.shape, zStart, zCount: count, dtype, labels });
    },

    'masks.score': async ({ truthId, predId, emptyRule, truthVersion, predVersion }) => {
      const loadedTruth = masks.load(truthId, truthVersion);
      if (!loadedTruth.ok) return apiErrorOf(loadedTruth.error);
      const loadedPred = masks.load(predId, predVersion);
      if (!loadedPred.ok) return apiErrorOf(loadedPred.error);
      const truth = loadedTruth.value;
      const pred = loadedPred.value;
      if (truth.info.shape.some((n, i) => n !== pred.info.shape[i])) {
        return err(
          'bad_input',
          `masks.score: truth ${truth.info.path || truth.info.name} is ${formatShape(truth.info.shape)} but prediction ${pred.info.path || pred.info.name} is ${formatShape(pred.info.shape)}; masks are never resampled`,
        );
      }
      const scored = scoreMaskPair(truth, pred, emptyRule);
      return ok({ truthId, predId, emptyRule, ...scored });
    },

    'masks.scoreDataset': async ({ truthDir, predDir, emptyRule }) => {
      const forbidden = refused('masks.scoreDataset', [truthDir, predDir]);
      if (forbidden) return forbidden;
      const problem = await foldersProblem(truthDir, predDir);
      if (problem) return err('bad_input', `masks.scoreDataset: ${problem}`);
      return ok(await scoreDatasetFolders(truthDir, predDir, emptyRule, { readMask }));
    },
    'masks.startDatasetScore': async ({ truthDir, predDir, emptyRule }) => {
      const forbidden = refused('masks.startDatasetScore', [truthDir, predDir]);
      if (forbidden) return forbidden;
      const problem = await foldersProblem(truthDir, predDir);
      if (problem) return err('bad_input', `masks.startDatasetScore: ${problem}`);
      return ok({ jobId: datasetJobs.start(truthDir, predDir, emptyRule) });
    },
  };
}
