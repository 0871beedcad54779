// The assistant commands' image input: which files under the given paths are images (DICOM the index
// accepts, PNG, JPEG), and one image read into the inference worker's image type with its header
// tags. Decoding happens on a reader thread (core/sandbox/model-input.ts), inside its limits.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError } from '../core/contract/dicom';
import { scanPaths } from '../core/dicom/indexer';
import { ioErrorText } from '../core/fs/io-error';
import { sharedHeaderSandbox } from '../core/sandbox/header-sandbox';
import { imageFormatOf, type ModelInputFormat } from '../core/sandbox/model-input';
import { sharedReaderSandbox } from '../core/sandbox/reader-sandbox';
import { MAX_IMAGE_SIDE, type ImageHeader } from '../core/contract/assistant';
import type { WorkerImage } from '../workers/inference/protocol';

/** One image to run the model on: a file and, for multi-frame DICOM, a frame (1-based). */
export interface ImageRef {
  file: string;
  frame: number;
  /** The file's frame count (1 for PNG / JPEG). */
  numberOfFrames: number;
}

export interface FileProblem {
  file: string;
  reason: string;
}

export interface FoundImages {
  images: ImageRef[];
  /** Files given by name, or found in a folder, that are not images we read (each with its reason). */
  failed: FileProblem[];
  /** Files in a folder that are not images at all (text, SR, SEG, …): listed, not an error. */
  skipped: FileProblem[];
}

/** Index rejections that mean "not an image at all", not "an image we failed on" (as `vesalius render` sorts them). */
const NOT_AN_IMAGE: ReadonlySet<ImportError['code']> = new Set(['not_dicom', 'not_an_image', 'no_pixel_data']);

/** The first bytes of a file, to tell PNG and JPEG from DICOM; null when it cannot be read. */
async function sniffFormat(file: string): Promise<ModelInputFormat | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return imageFormatOf(head.subarray(0, bytesRead));
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

const isFolder = async (p: string): Promise<boolean> => {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The images under `paths` (files and folders, recursively), in walk order: DICOM files as `vesalius index`
 * accepts them (every frame of a multi-frame file when `allFrames`, else frame 1), PNG and JPEG files by
 * their signature. A file named on the command line that is not an image is `failed`; one inside a folder
 * is `skipped`. A path that does not exist is `failed` with the system's reason.
 */
export async function findImages(paths: readonly string[], options: { allFrames: boolean }): Promise<FoundImages> {
  const found: FoundImages = { images: [], failed: [], skipped: [] };
  const folders = new Set<string>();
  for (const p of paths) {
    try {
      await stat(p);
    } catch (e) {
      found.failed.push({ file: p, reason: `cannot access it: ${ioErrorText(e)}` });
      continue;
    }
    if (await isFolder(p)) folders.add(path.resolve(p));
  }
  const existing = paths.filter((p) => !found.failed.some((f) => f.file === p));
  if (existing.length === 0) return found;
  const inFolder = (file: string): boolean => [...folders].some((folder) => file.startsWith(folder + path.sep));
  // Through the indexer, so exactly the DICOM files `vesalius index` accepts are read, and the rest keep its reasons.
  const scan = await scanPaths([...existing], { headerReader: sharedHeaderSandbox() });
  for (const error of scan.walk.errors) found.failed.push({ file: error.path, reason: error.reason });
  for (let i = 0; i < scan.inspected.length; i++) {
    const file = scan.inspected[i];
    const outcome = scan.outcomes[i];
    if (outcome.kind === 'instance') {
      const count = outcome.record.instance.numberOfFrames;
      const frames = options.allFrames ? count : 1;
      for (let frame = 1; frame <= frames; frame++) found.images.push({ file, frame, numberOfFrames: count });
      continue;
    }
    if (outcome.error.code === 'not_dicom') {
      const format = await sniffFormat(file);
      if (format === 'png' || format === 'jpeg') {
        found.images.push({ file, frame: 1, numberOfFrames: 1 });
        continue;
      }
    }
    const problem = { file, reason: outcome.error.code === 'not_dicom' ? `not an image: neither DICOM, PNG nor JPEG (${outcome.error.reason})` : outcome.error.reason };
    if (NOT_AN_IMAGE.has(outcome.error.code) && inFolder(path.resolve(file))) found.skipped.push(problem);
    else found.failed.push(problem);
  }
  return found;
}

/** One image decoded for the model. */
export interface InputImage {
  file: string;
  frame: number;
  format: ModelInputFormat;
  image: WorkerImage;
  /** The DICOM header tags the header facts read; null for PNG / JPEG. */
  header: ImageHeader | null;
  /** How the pixels were obtained, in words. */
  how: string;
}

/** Decodes one image on a reader thread; the problem names the file and the reason. */
export async function readImage(ref: Pick<ImageRef, 'file' | 'frame'>): Promise<InputImage | FileProblem> {
  const decoded = await sharedReaderSandbox().modelInput(ref.file, ref.frame);
  if (!decoded.ok) return { file: ref.file, reason: decoded.reason };
  const { kind, width, height, data, slope, intercept } = decoded.image;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return { file: ref.file, reason: `the image is ${width} × ${height} pixels; the assistant takes images up to ${MAX_IMAGE_SIDE} pixels a side` };
  }
  const image: WorkerImage = { kind, width, height, data };
  if (slope !== undefined) image.slope = slope;
  if (intercept !== undefined) image.intercept = intercept;
  if (decoded.header) image.header = decoded.header;
  return { file: ref.file, frame: ref.frame, format: decoded.format, image, header: decoded.header, how: decoded.how };
}

/**
 * The one image a caption or a question is about: the file must be an image (frame 1 of a multi-frame
 * DICOM file). A folder is refused: these commands take one image.
 */
export async function readOneImage(file: string): Promise<InputImage | FileProblem> {
  if (await isFolder(file)) return { file, reason: 'is a folder; give one image file (DICOM, PNG or JPEG)' };
  const found = await findImages([file], { allFrames: false });
  const problem = found.failed[0] ?? found.skipped[0];
  if (problem) return problem;
  const ref = found.images[0];
  if (!ref) return { file, reason: 'not an image' };
  return readImage(ref);
}

export const isProblem = (value: InputImage | FileProblem): value is FileProblem => 'reason' in value;
