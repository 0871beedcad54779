// The main-thread face of the reader threads: the same calls as the in-process readers (same values,
// same MaskReadError on refusal), run inside the pool's limits. A stopped or lost reader thread
// becomes a MaskReadError naming the file, like any other refusal.
import { MaskReadError } from '../masks/mask-error';
import type { GrayPng } from '../masks/png';
import type { MaskSet } from '../masks/read-mask';
import type { SegSource } from '../masks/seg-writer';
import { SegWriteError } from '../masks/seg-writer-error';
import type { Series } from '../contract/dicom';
import type { NaturalDataset } from '../dicom/dcmjs-api';
import type { ModalityFrame } from './modality-frame';
import type { ModelInput } from './model-input';
import type { ReaderTaskArgs, ReaderTaskKind, ReaderTaskValues, RenderedFile } from './reader-tasks';
import { defaultReaderEntry } from './worker-entry';
import { SandboxFailure, WorkerPool, type WorkerPoolOptions } from './worker-pool';

export type ReaderSandboxOptions = Partial<WorkerPoolOptions>;

/** A file's frames are rendered in one task: a long multi-frame file gets longer than one mask. */
const RENDER_TIMEOUT_MS = 180_000;

export class ReaderSandbox {
  readonly pool: WorkerPool;

  constructor(options: ReaderSandboxOptions = {}) {
    this.pool = new WorkerPool({ ...options, entry: options.entry ?? defaultReaderEntry() });
  }

  /** readMaskFile on a reader thread. */
  readonly readMask = (filePath: string): Promise<MaskSet> => this.run('readMask', { filePath }, filePath);

  /** A grayscale PNG file decoded on a reader thread (decodeGrayPng); `what` names the image in refusals. */
  readonly readGrayPng = (filePath: string, what: string): Promise<GrayPng> => this.run('readGrayPng', { filePath, what }, filePath);

  /**
   * A DICOM file's frames rendered to PNG on a reader thread (`vesalius render`): never rejects; a reader
   * stopped by its limits becomes the file's reason.
   */
  readonly renderFile = async (filePath: string, frames: number[] | 'all', window?: ReaderTaskArgs['renderFile']['window']): Promise<RenderedFile> => {
    try {
      return await this.pool.run<RenderedFile>('renderFile', { filePath, frames, window }, { timeoutMs: RENDER_TIMEOUT_MS });
    } catch (e) {
      return { ok: false, reason: e instanceof SandboxFailure ? e.reason : e instanceof Error ? e.message : String(e) };
    }
  };

  /**
   * segSourceOfSeries on a reader thread: the export's reads of source-image headers. Its refusals
   * arrive as SegWriteError (same message); a reader stopped by its limits becomes one naming the series.
   */
  readonly segSource = (series: Series): Promise<SegSource> => this.runForExport('segSource', { series }, `series ${series.seriesInstanceUid}`);

  /** patientStudyOfImage on a reader thread; refusals as SegWriteError, like segSource's. */
  readonly patientStudy = (filePath: string): Promise<NaturalDataset> => this.runForExport('patientStudy', { filePath }, `image ${filePath}`);

  /**
   * One frame's modality values (HU on CT) decoded on a reader thread, for ROI statistics: never
   * rejects; a reader stopped by its limits becomes the reason.
   */
  readonly modalityFrame = async (filePath: string, frame: number): Promise<ModalityFrame> => {
    try {
      return await this.pool.run<ModalityFrame>('modalityFrame', { filePath, frame });
    } catch (e) {
      return { ok: false, reason: e instanceof SandboxFailure ? e.reason : e instanceof Error ? e.message : String(e) };
    }
  };

  /**
   * One frame of an image file (DICOM, PNG, JPEG) as the assistant's model input, decoded on a reader
   * thread: never rejects; a reader stopped by its limits becomes the reason.
   */
  readonly modelInput = async (filePath: string, frame = 1): Promise<ModelInput> => {
    try {
      return await this.pool.run<ModelInput>('modelInput', { filePath, frame });
    } catch (e) {
      return { ok: false, reason: e instanceof SandboxFailure ? e.reason : e instanceof Error ? e.message : String(e) };
    }
  };

  close(): Promise<void> {
    return this.pool.close();
  }

  /** An export's header read: its refusals arrive as SegWriteError (same message); a stopped reader becomes one naming `what`. */
  private async runForExport<K extends 'segSource' | 'patientStudy'>(kind: K, args: ReaderTaskArgs[K], what: string): Promise<ReaderTaskValues[K]> {
    try {
      return await this.pool.run<ReaderTaskValues[K]>(kind, args);
    } catch (e) {
      if (e instanceof SandboxFailure) throw new SegWriteError(`${what}: reading its image headers stopped (${e.reason})`);
      if (e instanceof Error && e.name === 'SegWriteError') throw new SegWriteError(e.message);
      throw e;
    }
  }

  private async run<K extends ReaderTaskKind>(kind: K, args: ReaderTaskArgs[K], filePath: string): Promise<ReaderTaskValues[K]> {
    try {
      return await this.pool.run<ReaderTaskValues[K]>(kind, args);
    } catch (e) {
      if (e instanceof SandboxFailure) throw new MaskReadError(filePath, e.reason);
      throw e;
    }
  }
}

let shared: ReaderSandbox | null = null;

/**
 * One sandbox for callers with no owner of their own to close it (the CLI, handlers built without
 * one): started on first use, never closed; idle, its threads do not keep the process alive.
 */
export function sharedReaderSandbox(): ReaderSandbox {
  shared ??= new ReaderSandbox();
  return shared;
}
