// What the reader threads can be asked to do: each task kind calls the existing reader, unchanged.
import type { Series } from '../contract/dicom';
import type { NaturalDataset } from '../dicom/dcmjs-api';
import type { HeaderReadResult } from '../dicom/header-reader';
import { inThreadHeaderReader } from '../dicom/in-thread-header-reader';
import { ioErrorText } from '../fs/io-error';
import { formatBytes } from '../fs/size-text';
import { MaskReadError } from '../masks/mask-error';
import { DEFAULT_MAX_VOLUME_BYTES } from '../masks/nifti';
import { openRegularFile, readWhole } from '../masks/open-regular-file';
import { decodeGrayPng, type GrayPng } from '../masks/png';
import { readMaskFile, type MaskSet } from '../masks/read-mask';
import type { SegSource } from '../masks/seg-writer';
import { patientStudyOfImage, segSourceOfSeries } from '../masks/seg-writer-source';
import { encodePng } from '../render/png-output';
import { modalityFrame, type ModalityFrame } from './modality-frame';
import { modelInputOf, type ModelInput } from './model-input';
import { DEFAULT_RENDER_MAX_BYTES, openImage, renderFrame, type AppliedRendering, type RenderOptions } from '../render/render-frame';

/** One frame of a file rendered on a reader thread: its PNG bytes and what was applied, or why not. */
export type RenderedPngFrame = { frame: number; ok: true; png: Uint8Array; applied: AppliedRendering } | { frame: number; ok: false; reason: string };

/** A file rendered on a reader thread: every requested frame, or why the file as a whole could not be opened. */
export type RenderedFile = { ok: true; numberOfFrames: number; frames: RenderedPngFrame[] } | { ok: false; reason: string };

export interface ReaderTaskArgs {
  readMask: { filePath: string };
  readGrayPng: { filePath: string; what: string };
  /** `frames`: 1-based frame numbers, or 'all'. */
  renderFile: { filePath: string; frames: number[] | 'all'; window?: RenderOptions['window'] };
  /** A batch of DICOM files decided by their headers (core/sandbox/header-sandbox.ts sends them). */
  indexHeaders: { paths: string[]; prefixBytes: number; statFiles: boolean };
  /** The source-image headers a SEG / NIfTI export copies from (segSourceOfSeries). */
  segSource: { series: Series };
  /** The Patient / General Study attributes of one image (patientStudyOfImage), for the report's DICOM outputs. */
  patientStudy: { filePath: string };
  /** One frame's modality values (HU on CT), for ROI statistics; `frame` 1-based. */
  modalityFrame: { filePath: string; frame: number };
  /** One frame of a DICOM, PNG or JPEG file as the assistant's model input, with its header tags (the CLI's caption / ask / segment). */
  modelInput: { filePath: string; frame: number };
}

export interface ReaderTaskValues {
  readMask: MaskSet;
  readGrayPng: GrayPng;
  renderFile: RenderedFile;
  indexHeaders: HeaderReadResult;
  segSource: SegSource;
  patientStudy: NaturalDataset;
  modalityFrame: ModalityFrame;
  modelInput: ModelInput;
}

export type ReaderTaskKind = keyof ReaderTaskArgs;

/** A whole regular file (by default the same cap as one mask volume), for the image decoders that take bytes. */
async function readRegularFile(filePath: string, maxBytes: number = DEFAULT_MAX_VOLUME_BYTES): Promise<Uint8Array> {
  try {
    const { handle, size } = await openRegularFile(filePath, filePath, 'images');
    try {
      if (size > maxBytes) throw new MaskReadError(filePath, `file of ${size} bytes is over the ${formatBytes(maxBytes)} limit for one image`);
      return await readWhole(handle, size);
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof MaskReadError) throw e;
    throw new MaskReadError(filePath, ioErrorText(e));
  }
}

/** Opens the file once (a deflated data set inflated once) and renders each frame to PNG bytes. */
async function renderFile({ filePath, frames, window }: ReaderTaskArgs['renderFile']): Promise<RenderedFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(filePath, DEFAULT_RENDER_MAX_BYTES);
  } catch (e) {
    return { ok: false, reason: e instanceof MaskReadError ? e.reason : String(e) };
  }
  const opened = await openImage(bytes);
  if (!opened.ok) return { ok: false, reason: opened.reason };
  const wanted = frames === 'all' ? Array.from({ length: opened.numberOfFrames }, (_, k) => k + 1) : frames;
  const rendered: RenderedPngFrame[] = [];
  for (const frame of wanted) {
    const result = await renderFrame(opened, { frame, window });
    rendered.push(result.ok ? { frame, ok: true, png: encodePng(result.pixels, result.width, result.height, result.channels), applied: result.applied } : { frame, ok: false, reason: result.reason });
  }
  return { ok: true, numberOfFrames: opened.numberOfFrames, frames: rendered };
}

export const readerTasks = {
  readMask: ({ filePath }: ReaderTaskArgs['readMask']): Promise<MaskSet> => readMaskFile(filePath),
  readGrayPng: async ({ filePath, what }: ReaderTaskArgs['readGrayPng']): Promise<GrayPng> => decodeGrayPng(await readRegularFile(filePath), filePath, what),
  renderFile,
  // First bytes come from this thread's own prefix-reader thread (blocking reads, one message per 32
  // files, the next read while this one parses): per-file async reads through libuv were 2–3× slower.
  indexHeaders: ({ paths, prefixBytes, statFiles }: ReaderTaskArgs['indexHeaders']): Promise<HeaderReadResult> =>
    inThreadHeaderReader({ readOnThread: true }).readHeaders({ files: paths, prefixBytes, statFiles }),
  segSource: ({ series }: ReaderTaskArgs['segSource']): Promise<SegSource> => segSourceOfSeries(series),
  patientStudy: ({ filePath }: ReaderTaskArgs['patientStudy']): Promise<NaturalDataset> => patientStudyOfImage(filePath),
  modalityFrame: async ({ filePath, frame }: ReaderTaskArgs['modalityFrame']): Promise<ModalityFrame> => {
    try {
      return await modalityFrame(await readRegularFile(filePath, DEFAULT_RENDER_MAX_BYTES), frame);
    } catch (e) {
      return { ok: false, reason: e instanceof MaskReadError ? e.reason : String(e) };
    }
  },
  modelInput: async ({ filePath, frame }: ReaderTaskArgs['modelInput']): Promise<ModelInput> => {
    try {
      return await modelInputOf(await readRegularFile(filePath, DEFAULT_RENDER_MAX_BYTES), frame);
    } catch (e) {
      return { ok: false, reason: e instanceof MaskReadError ? e.reason : String(e) };
    }
  },
} satisfies { [K in ReaderTaskKind]: (args: ReaderTaskArgs[K]) => Promise<ReaderTaskValues[K]> };
