// Archive search over the catalog: the model in use, the indexing job, and ranking a text or an image against
// the stored embeddings (exact cosine over one float32 matrix, rebuilt when the catalog or the embeddings change).
import type { Catalog } from '../catalog/catalog';
import { err, ok, type Result } from '../contract/result';
import { stat } from 'node:fs/promises';
import type { EmbeddingModel, ImageEmbedding, SearchHit, SearchIndexStatus, SearchResults, SearchSimilarArgs, StoredEmbedding } from '../contract/search';
import type { JobRegistry } from '../jobs/job-registry';
import type { ModelFolder } from '../model/config';
import { errorMessage } from '../model/errors';
import { catalogDataVersion, catalogImagePages, catalogImages, findCatalogImage, type CatalogImage } from './catalog-images';
import { clientEmbeddingPort, type EmbeddingClient, type EmbeddingPort, type ModelImage } from './embedding-port';
import { imageKey, MatrixTooLarge, VECTOR_CHUNK_ROWS, type EmbeddingStore, type VectorMatrix } from './embedding-store';
import type { DecodeFrame } from './frame-image';
import { indexCatalog, upToDate } from './index-job';
import { topKCosine } from './top-k';

/** The model folder in use and the client serving it (the assistant's worker: one model load per process). */
export type SearchInference = () => Result<{ folder: ModelFolder; client: EmbeddingClient }>;

export interface SearchServiceDeps {
  catalog: Catalog;
  store: EmbeddingStore;
  jobs: JobRegistry;
  decode: DecodeFrame;
  /** Search embeds with the model the assistant uses, through its worker (AssistantService.inference). */
  inference: SearchInference;
}

/** The embedding model a folder declares, or why it has none. */
export function embeddingModelOf(folder: ModelFolder): Result<EmbeddingModel> {
  const dim = folder.config.embeddings?.embed_dim;
  if (!folder.onnxPaths.imageEmbed || !folder.onnxPaths.textEmbed || dim === undefined) {
    return err('unsupported', `${folder.name} has no embedding graphs (config.json files.image_embed / text_embed and embeddings.embed_dim): it cannot search`);
  }
  return ok({ name: folder.name, version: folder.config.version, dim });
}

const sameModel = (a: EmbeddingModel, b: EmbeddingModel): boolean => a.name === b.name && a.version === b.version && a.dim === b.dim;

interface SearchMatrix {
  stamp: string;
  model: EmbeddingModel;
  matrix: Float32Array;
  hits: CatalogImage[];
}

export class SearchService {
  private port: { client: EmbeddingClient; model: EmbeddingModel; port: EmbeddingPort } | null = null;
  private matrix: SearchMatrix | null = null;
  /** The matrix being read from search.db in the background: a search arriving meanwhile waits for this one read. */
  private loading: Promise<Result<SearchMatrix>> | null = null;
  private disposed = false;
  private runningJobId: string | null = null;
  /** The catalog changed while a run was going: its listing is older, so another run follows it. */
  private runAgain = false;
  /** A run was cancelled because the model is being switched: the new model's run follows the switch. */
  private resumeAfterSwitch = false;
  /** Bumped when this process's catalog changed (its own imports: data_version counts only other connections'). */
  private catalogChanges = 0;
  /** The last status counts and what they were counted from (a page may ask often; 100k images take a while). */
  private counted: { stamp: string; counts: Pick<SearchIndexStatus, 'indexed' | 'total' | 'failed'> } | null = null;

  constructor(private readonly deps: SearchServiceDeps) {}

  /** This process imported into the catalog: cached listings are stale. */
  catalogChanged(): void {
    this.catalogChanges++;
  }

  /** The model search uses now (its folder read again: a changed folder is noticed), or why there is none. */
  private currentModel(): Result<{ model: EmbeddingModel; client: EmbeddingClient }> {
    const inference = this.deps.inference();
    if (!inference.ok) return inference;
    const model = embeddingModelOf(inference.value.folder);
    return model.ok ? ok({ model: model.value, client: inference.value.client }) : model;
  }

  /** The port over the current model and its client. */
  private ready(call: string): Result<EmbeddingPort> {
    const current = this.currentModel();
    if (!current.ok) return err(current.error.code, `${call}: ${current.error.message}`);
    const { model, client } = current.value;
    const same = this.port && this.port.client === client && this.port.model.name === model.name && this.port.model.version === model.version && this.port.model.dim === model.dim;
    if (!same) this.port = { client, model, port: clientEmbeddingPort(model, client) };
    return ok(this.port!.port);
  }

  private runningJob(): string | null {
    if (this.runningJobId && this.deps.jobs.status(this.runningJobId)?.state === 'running') return this.runningJobId;
    this.runningJobId = null;
    return null;
  }

  status(): SearchIndexStatus {
    const jobId = this.runningJob();
    const base = { running: jobId !== null, jobId };
    const current = this.currentModel();
    if (!current.ok) return { ...base, model: null, indexed: 0, total: catalogImages(this.deps.catalog).length, failed: 0, problem: current.error.message };
    const { model } = current.value;
    const stamp = this.stamp(model);
    if (this.counted?.stamp !== stamp) {
      const images = catalogImages(this.deps.catalog);
      const states = this.deps.store.states(model);
      let indexed = 0;
      let failed = 0;
      for (const image of images) {
        const state = states.get(imageKey(image));
        if (!upToDate(state, image)) continue;
        if (state!.kind === 'vector') indexed++;
        else failed++;
      }
      this.counted = { stamp, counts: { indexed, total: images.length, failed } };
    }
    return { ...base, model, ...this.counted.counts, problem: null };
  }

  /** Changes whenever the model, the stored embeddings or the catalog changed. */
  private stamp(model: EmbeddingModel): string {
    return `${model.name}\0${model.version}\0${model.dim}\0${this.deps.store.version()}\0${catalogDataVersion(this.deps.catalog)}.${this.catalogChanges}`;
  }

  /**
   * Indexing in the background after the catalog changed: starts a run, or, while one is going (its listing of
   * the catalog taken before the change), another once it is done. Where no model can search, nothing starts.
   */
  indexInBackground(): void {
    if (this.runningJob()) this.runAgain = true;
    else this.startIndexing();
  }

  /** Starts indexing (or returns the job already running). */
  startIndexing(): Result<{ jobId: string }> {
    const running = this.runningJob();
    if (running) return ok({ jobId: running });
    const port = this.ready('search.indexStart');
    if (!port.ok) return port;
    const deps = { store: this.deps.store, images: () => catalogImages(this.deps.catalog), port: port.value, decode: this.deps.decode };
    const work = async (signal: AbortSignal, onProgress: (done: number, total: number) => void) => {
      try {
        return await indexCatalog(deps, signal, onProgress);
      } finally {
        // Once the registry has recorded this run's end (after this promise settles), the next one may start.
        if (this.runAgain && !signal.aborted) setTimeout(() => this.runAgainNow(), 0).unref?.();
        // The run changed search.db: read the new matrix now, before a search has to wait for it.
        else setTimeout(() => this.preload(), 0).unref?.();
      }
    };
    this.runningJobId = this.deps.jobs.start('searchIndex', work, {
      label: 'search indexing',
      keepFinished: 10,
      finalTotal: (summary) => summary.embedded + summary.skipped + summary.failedCount,
    });
    return ok({ jobId: this.runningJobId });
  }

  /**
   * The model in use is about to change and its inference client to be disposed: a run going embeds through that
   * client, so it is cancelled now, through the job registry (its job says 'cancelled'), before its requests come
   * back as model errors. modelSwitched starts the new model's run.
   */
  modelSwitching(): void {
    const running = this.runningJob();
    if (running === null) return;
    this.runAgain = false; // the new model's run lists the catalog afresh
    this.resumeAfterSwitch = true;
    this.deps.jobs.cancel(running);
  }

  /**
   * The new model is in use: a run cancelled by the switch (or, with `autoIndex`, any) starts over with it —
   * resumable, so images already embedded with this model version are skipped; otherwise its vectors are read.
   */
  modelSwitched(autoIndex: boolean): void {
    const resume = this.resumeAfterSwitch || autoIndex;
    this.resumeAfterSwitch = false;
    this.port = null;
    if (resume) this.startIndexing();
    else void this.preload();
  }

  private runAgainNow(): void {
    this.runAgain = false;
    this.startIndexing();
  }

  /** Indexed images ranked by similarity to a text. */
  async searchText(text: string, k: number): Promise<Result<SearchResults>> {
    const started = performance.now();
    const port = this.ready('search.text');
    if (!port.ok) return port;
    const query = await port.value.embedText(text);
    if (!query.ok) return err(query.error.code, `search.text: ${query.error.message}`);
    return await this.rank(port.value.model, query.value, k, null, started);
  }

  /** Indexed images ranked by similarity to a catalogued image (itself left out). */
  async searchSimilar(args: SearchSimilarArgs): Promise<Result<SearchResults>> {
    const started = performance.now();
    const port = this.ready('search.similar');
    if (!port.ok) return port;
    const image = findCatalogImage(this.deps.catalog, { seriesKey: args.seriesKey, sopInstanceUid: args.sopInstanceUid, filePath: args.filePath });
    const which = args.sopInstanceUid !== undefined ? `instance ${args.sopInstanceUid}` : `file ${args.filePath}`;
    if (!image) return err('not_found', `search.similar: ${which} is not in series ${args.seriesKey} of the catalog (or its file is missing)`);
    if (args.frame > image.numberOfFrames) return err('invalid_arguments', `search.similar: ${which} has ${image.numberOfFrames} frame(s), there is no frame ${args.frame}`);
    const ref = { filePath: image.filePath, frame: args.frame };
    const { model } = port.value;
    const states = this.deps.store.states(model);
    let vector = upToDate(states.get(imageKey(ref)), image) ? this.deps.store.vectorOf(ref, model) : null;
    if (!vector) {
      const decoded = await this.deps.decode(ref.filePath, ref.frame);
      if (!decoded.ok) return err('bad_input', `search.similar: ${ref.filePath} frame ${ref.frame} cannot be decoded: ${decoded.reason}`);
      const embedded = await port.value.embedImage(decoded.image);
      if (!embedded.ok) return err(embedded.error.code, `search.similar: ${embedded.error.message}`);
      vector = embedded.value;
    }
    return await this.rank(model, vector, args.k, image.filePath, started);
  }

  /** Indexed images ranked by similarity to an image given as pixels. */
  async searchImage(image: ModelImage, k: number): Promise<Result<SearchResults>> {
    const started = performance.now();
    const port = this.ready('search.image');
    if (!port.ok) return port;
    const query = await port.value.embedImage(image);
    if (!query.ok) return err(query.error.code, `search.image: ${query.error.message}`);
    return await this.rank(port.value.model, query.value, k, null, started);
  }

  /** An image's embedding with the search model. */
  async embedImage(image: ModelImage): Promise<Result<ImageEmbedding>> {
    const port = this.ready('search.embedImage');
    if (!port.ok) return port;
    const vector = await port.value.embedImage(image);
    return vector.ok ? ok({ model: port.value.model, vector: vector.value }) : err(vector.error.code, `search.embedImage: ${vector.error.message}`);
  }

  /**
   * The stored embedding of a catalogued file's frame when it is up to date with the file as it is now: the
   * catalog's size/mtime equal the file's (a file changed since the last import is not trusted) and the row's,
   * under the current model version. Null otherwise: the caller computes it.
   */
  async storedEmbedding(ref: { filePath: string; frame: number }): Promise<Result<StoredEmbedding>> {
    const port = this.ready('search.storedEmbedding');
    if (!port.ok) return port;
    const { model } = port.value;
    const none = ok({ model, vector: null });
    const image = findCatalogImage(this.deps.catalog, { filePath: ref.filePath });
    if (!image || image.frame !== ref.frame) return none;
    const now = await stat(image.filePath).catch(() => null);
    if (!now || now.size !== image.size || now.mtimeMs !== image.mtimeMs) return none;
    return ok({ model, vector: this.deps.store.vectorOf(ref, model, image) });
  }

  /** `leaveOutFile`: the query image's file, whose (one) embedding is not a result. */
  private async rank(model: EmbeddingModel, query: Float32Array, k: number, leaveOutFile: string | null, started: number): Promise<Result<SearchResults>> {
    const loaded = await this.searchMatrix(model);
    if (!loaded.ok) return loaded;
    const index = loaded.value;
    let ranked;
    try {
      ranked = topKCosine(index.matrix, model.dim, query, k, leaveOutFile === null ? undefined : (row) => index.hits[row].filePath !== leaveOutFile);
    } catch (e) {
      return err('model_error', `search: ${errorMessage(e)}`);
    }
    const results: SearchHit[] = ranked.map(({ row, score }) => {
      const { filePath, frame, seriesKey, studyKey, sopInstanceUid, fileKey, modality, description } = index.hits[row];
      return { filePath, frame, seriesKey, studyKey, sopInstanceUid, fileKey, score, modality, description };
    });
    return ok({ model, results, searched: index.hits.length, ms: performance.now() - started });
  }

  /**
   * Reads the matrix of the current model in the background (after the app starts, after an indexing run), in
   * chunks so the service keeps answering; resolves when it is read (a failure is reported by the next search).
   */
  async preload(): Promise<void> {
    if (this.disposed) return;
    try {
      const current = this.currentModel();
      if (current.ok) await this.searchMatrix(current.value.model);
    } catch {
      // A database failure: the next search, waiting for its own read, reports it.
    }
  }

  /**
   * The stored vectors of present, unchanged files as one matrix; read again only when something changed. While
   * a read is in flight every search waits for it (one read, not one per search), even when search.db changed
   * meanwhile (an indexing run): its results are as of that read, and the next search reads again.
   */
  private async searchMatrix(model: EmbeddingModel): Promise<Result<SearchMatrix>> {
    if (this.loading) {
      const inFlight = await this.loading;
      if (!inFlight.ok || sameModel(inFlight.value.model, model)) return inFlight;
    }
    if (this.matrix && this.matrix.stamp === this.stamp(model)) return ok(this.matrix);
    const loading = this.loadMatrix(model).finally(() => {
      if (this.loading === loading) this.loading = null;
    });
    this.loading = loading;
    return loading;
  }

  private async loadMatrix(model: EmbeddingModel): Promise<Result<SearchMatrix>> {
    const { catalog, store } = this.deps;
    const stampBefore = this.stamp(model);
    let stored: (VectorMatrix & { corrupt: number }) | null;
    try {
      stored = await store.vectorsInChunks(model, undefined, () => this.disposed);
    } catch (e) {
      if (e instanceof MatrixTooLarge) return err('unsupported', `search: ${e.message}`);
      throw e;
    }
    if (!stored) return err('cancelled', 'search: the app is closing');
    const rowOf = new Map(stored.refs.map((ref, row) => [imageKey(ref), row]));
    const matrix = new Float32Array(stored.refs.length * model.dim);
    const hits: CatalogImage[] = [];
    // In the catalog's order (file path), so equal scores rank the same way every time.
    // Listed a page at a time, with a turn of the event loop between pages (100k rows block for seconds).
    for (const page of catalogImagePages(catalog, VECTOR_CHUNK_ROWS)) {
      for (const image of page) {
        const row = rowOf.get(imageKey(image));
        if (row === undefined) continue;
        const ref = stored.refs[row];
        if (image.size !== ref.size || image.mtimeMs !== ref.mtimeMs) continue;
        matrix.set(stored.matrix.subarray(row * model.dim, (row + 1) * model.dim), hits.length * model.dim);
        hits.push(image);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.disposed) return err('cancelled', 'search: the app is closing');
    }
    // Deleting corrupt rows is a write of its own: stamp after it, so the next search does not read again for
    // that. Otherwise the stamp from before the read: a write during it (an indexing run) makes the next search
    // read again.
    const stamp = stored.corrupt > 0 ? this.stamp(model) : stampBefore;
    this.matrix = { stamp, model, matrix: matrix.subarray(0, hits.length * model.dim), hits };
    return ok(this.matrix);
  }

  /** Cancels indexing (the worker is the assistant's: it stops it). */
  dispose(): void {
    this.disposed = true;
    this.runAgain = false;
    this.resumeAfterSwitch = false;
    this.deps.jobs.cancelAll('searchIndex');
    this.port = null;
  }
}

