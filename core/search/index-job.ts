// The indexing work: every catalogued image without an up-to-date embedding of the model version is decoded and
// embedded, one at a time, each stored as it finishes — so a cancelled or crashed run resumes where it stopped.
import type { SearchIndexSummary } from '../contract/search';
import type { CatalogImage } from './catalog-images';
import type { EmbeddingPort } from './embedding-port';
import { imageKey, type EmbeddingStore, type StoredState } from './embedding-store';
import type { DecodeFrame, FrameImage } from './frame-image';

/** Failures listed in a run's summary (all are stored; search.indexStatus counts them). */
export const MAX_LISTED_FAILURES = 500;
/** Model errors in a row (a dead or wedged worker, not one bad image) after which the run stops. */
export const MAX_MODEL_ERRORS_IN_A_ROW = 3;

export interface IndexDeps {
  store: EmbeddingStore;
  /** The catalog's present images now. */
  images: () => CatalogImage[];
  port: EmbeddingPort;
  decode: DecodeFrame;
}

/** Whether what is stored for the image is from its file as the catalog knows it now. */
export const upToDate = (state: StoredState | undefined, image: CatalogImage): boolean =>
  state !== undefined && state.size === image.size && state.mtimeMs === image.mtimeMs;

/** Why the run stopped early (cancelled, or the model failing every image). */
export class IndexingStopped extends Error {}

/**
 * Embeds what is missing or stale; skips images already done with this model version (failures too: they are
 * tried again only when their file changes); drops the rows of files no longer in the catalog.
 * Progress counts images of the whole catalog (skipped ones count as done at once).
 */
export async function indexCatalog(deps: IndexDeps, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<SearchIndexSummary> {
  const started = performance.now();
  const { store, port } = deps;
  const { model } = port;
  const images = deps.images();
  const removed = store.removeFilesExcept(new Set(images.map((i) => i.filePath)));
  const states = store.states(model);
  const todo = images.filter((image) => !upToDate(states.get(imageKey(image)), image));
  const skipped = images.length - todo.length;
  let done = skipped;
  onProgress(done, images.length);

  const failed: SearchIndexSummary['failed'] = [];
  let failedCount = 0;
  let embedded = 0;
  let modelErrorsInARow = 0;
  /** `stored`: the image itself is at fault (not decodable, refused by the model), so it is not tried again. */
  const fail = (image: CatalogImage, reason: string, stored: boolean): void => {
    if (stored) store.putFailure(image, image, image.seriesKey, model, reason);
    failedCount++;
    if (failed.length < MAX_LISTED_FAILURES) failed.push({ filePath: image.filePath, frame: image.frame, reason });
  };
  const decode = (image: CatalogImage | undefined): Promise<FrameImage> | null => (image ? deps.decode(image.filePath, image.frame) : null);

  // The next image decodes (on a reader thread) while the model embeds this one.
  let next = decode(todo[0]);
  for (let i = 0; i < todo.length; i++) {
    const image = todo[i];
    const decoded = await next!;
    next = decode(todo[i + 1]);
    if (signal.aborted) throw new IndexingStopped('cancelled');
    if (!decoded.ok) {
      fail(image, `cannot be decoded: ${decoded.reason}`, true);
    } else {
      // Background: a caption or search asked meanwhile is sent to the worker before this run's next image.
      const vector = await port.embedImage(decoded.image, { priority: 'background' });
      if (signal.aborted) throw new IndexingStopped('cancelled');
      if (vector.ok) {
        store.putVector(image, image, image.seriesKey, model, vector.value);
        embedded++;
        modelErrorsInARow = 0;
      } else {
        // A model error (the worker died, timed out) is not the image's fault: the next run tries it again.
        const workerFault = vector.error.code === 'model_error';
        fail(image, `the model could not embed it: ${vector.error.message}`, !workerFault);
        modelErrorsInARow = workerFault ? modelErrorsInARow + 1 : 0;
        if (modelErrorsInARow >= MAX_MODEL_ERRORS_IN_A_ROW) {
          throw new IndexingStopped(`${MAX_MODEL_ERRORS_IN_A_ROW} images in a row failed in the model (last: ${vector.error.message}); ${embedded} embedded before, the next run resumes`);
        }
      }
    }
    onProgress(++done, images.length);
  }
  await next; // nothing left: null
  return { model, embedded, skipped, failed, failedCount, removed, ms: performance.now() - started };
}
