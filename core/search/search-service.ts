// Archive search over the catalog: the model in use, the indexing job, and ranking a text or an image against
// the stored embeddings (exact cosine over one float32 matrix, rebuilt when the catalog or the embeddings change).
import type { Catalog } from '../catalog/catalog';
import { err, ok, type Result } from '../contract/result';
import type { EmbeddingModel, SearchHit, SearchIndexStatus, SearchResults, SearchSimilarArgs } from '../contract/search';
import type { JobRegistry } from '../jobs/job-registry';
import { loadModelFolder } from '../model/config';
import { errorMessage } from '../model/errors';
import { catalogDataVersion, catalogImages, type CatalogImage } from './catalog-images';
import { clientEmbeddingPort, type EmbeddingPort, type StartEmbeddingClient } from './embedding-port';
import { imageKey, type EmbeddingStore } from './embedding-store';
import type { DecodeFrame } from './frame-image';
import { indexCatalog, upToDate } from './index-job';
import { topKCosine } from './top-k';

/** The model folder search uses now, or why there is none. */
export type ModelChoice = { ok: true; dir: string } | { ok: false; problem: string };

export interface SearchServiceDeps {
  catalog: Catalog;
  store: EmbeddingStore;
  jobs: JobRegistry;
  decode: DecodeFrame;
  /** The assistant's model folder (search embeds with the model the assistant uses). */
  chooseModel: () => ModelChoice;
  /** Starts the inference client of a model folder; absent where no worker can run (search then says so). */
  startClient?: StartEmbeddingClient;
}

/** The embedding model a folder declares, or why it has none. */
export function embeddingModelOf(dir: string): Result<EmbeddingModel> {
  try {
    const folder = loadModelFolder(dir);
    const dim = folder.config.embeddings?.embed_dim;
    if (!folder.onnxPaths.imageEmbed || !folder.onnxPaths.textEmbed || dim === undefined) {
      return err('unsupported', `${folder.name} has no embedding graphs (config.json files.image_embed / text_embed and embeddings.embed_dim): it cannot search`);
    }
    return ok({ name: folder.name, version: folder.config.version, dim });
  } catch (e) {
    return err('model_error', errorMessage(e));
  }
}

interface SearchMatrix {
  stamp: string;
  model: EmbeddingModel;
  matrix: Float32Array;
  hits: CatalogImage[];
}

export class SearchService {
  private port: { dir: string; port: EmbeddingPort } | null = null;
  private matrix: SearchMatrix | null = null;
  private runningJobId: string | null = null;
  /** Bumped when this process's catalog changed (its own imports: data_version counts only other connections'). */
  private catalogChanges = 0;

  constructor(private readonly deps: SearchServiceDeps) {}

  /** This process imported into the catalog: cached listings are stale. */
  catalogChanged(): void {
    this.catalogChanges++;
  }

  /** The model search uses now with its port, or why there is none. */
  private ready(call: string): Result<EmbeddingPort> {
    const choice = this.deps.chooseModel();
    if (!choice.ok) return err('unsupported', `${call}: ${choice.problem}`);
    if (this.port?.dir === choice.dir) return ok(this.port.port);
    const model = embeddingModelOf(choice.dir);
    if (!model.ok) return err(model.error.code, `${call}: ${model.error.message}`);
    if (!this.deps.startClient) return err('unsupported', `${call}: no inference worker is available in this process`);
    void this.port?.port.dispose();
    this.port = { dir: choice.dir, port: clientEmbeddingPort(model.value, this.deps.startClient(choice.dir)) };
    return ok(this.port.port);
  }

  private runningJob(): string | null {
    if (this.runningJobId && this.deps.jobs.status(this.runningJobId)?.state === 'running') return this.runningJobId;
    this.runningJobId = null;
    return null;
  }

  status(): SearchIndexStatus {
    const jobId = this.runningJob();
    const base = { running: jobId !== null, jobId };
    const total = () => catalogImages(this.deps.catalog).length;
    const choice = this.deps.chooseModel();
    if (!choice.ok) return { ...base, model: null, indexed: 0, total: total(), failed: 0, problem: choice.problem };
    const model = embeddingModelOf(choice.dir);
    if (!model.ok) return { ...base, model: null, indexed: 0, total: total(), failed: 0, problem: model.error.message };
    const images = catalogImages(this.deps.catalog);
    const states = this.deps.store.states(model.value);
    let indexed = 0;
    let failed = 0;
    for (const image of images) {
      const state = states.get(imageKey(image));
      if (!upToDate(state, image)) continue;
      if (state!.kind === 'vector') indexed++;
      else failed++;
    }
    const problem = this.deps.startClient ? null : 'no inference worker is available in this process';
    return { ...base, model: model.value, indexed, total: images.length, failed, problem };
  }

  /** Starts indexing (or returns the job already running). */
  startIndexing(): Result<{ jobId: string }> {
    const running = this.runningJob();
    if (running) return ok({ jobId: running });
    const port = this.ready('search.indexStart');
    if (!port.ok) return port;
    const deps = { store: this.deps.store, images: () => catalogImages(this.deps.catalog), port: port.value, decode: this.deps.decode };
    this.runningJobId = this.deps.jobs.start('searchIndex', (signal, onProgress) => indexCatalog(deps, signal, onProgress), {
      label: 'search indexing',
      keepFinished: 10,
      finalTotal: (summary) => summary.embedded + summary.skipped + summary.failedCount,
    });
    return ok({ jobId: this.runningJobId });
  }

  /** Indexed images ranked by similarity to a text. */
  async searchText(text: string, k: number): Promise<Result<SearchResults>> {
    const started = performance.now();
    const port = this.ready('search.text');
    if (!port.ok) return port;
    const query = await port.value.embedText(text);
    if (!query.ok) return err(query.error.code, `search.text: ${query.error.message}`);
    return this.rank(port.value.model, query.value, k, null, started);
  }

  /** Indexed images ranked by similarity to a catalogued image (itself left out). */
  async searchSimilar(args: SearchSimilarArgs): Promise<Result<SearchResults>> {
    const started = performance.now();
    const port = this.ready('search.similar');
    if (!port.ok) return port;
    const image = catalogImages(this.deps.catalog).find(
      (i) => i.seriesKey === args.seriesKey && (args.sopInstanceUid !== undefined ? i.sopInstanceUid === args.sopInstanceUid : i.filePath === args.filePath),
    );
    const which = args.sopInstanceUid !== undefined ? `instance ${args.sopInstanceUid}` : `file ${args.filePath}`;
    if (!image) return err('not_found', `search.similar: ${which} is not in series ${args.seriesKey} of the catalog (or its file is missing)`);
    if (args.frame > image.numberOfFrames) return err('invalid_arguments', `search.similar: ${which} has ${image.numberOfFrames} frame(s), there is no frame ${args.frame}`);
    const ref = { filePath: image.filePath, frame: args.frame };
    const { model } = port.value;
    const states = this.deps.store.states(model);
    let vector = upToDate(states.get(imageKey(ref)), image) ? this.deps.store.vectorOf(ref, model) : null;
    if (!vector) {
      const decoded = await this.deps.decode(ref.filePath, ref.frame, image.modality);
      if (!decoded.ok) return err('bad_input', `search.similar: ${ref.filePath} frame ${ref.frame} cannot be decoded: ${decoded.reason}`);
      const embedded = await port.value.embedImage(decoded.image);
      if (!embedded.ok) return err(embedded.error.code, `search.similar: ${embedded.error.message}`);
      vector = embedded.value;
    }
    return this.rank(model, vector, args.k, imageKey(ref), started);
  }

  private rank(model: EmbeddingModel, query: Float32Array, k: number, leaveOut: string | null, started: number): Result<SearchResults> {
    const index = this.searchMatrix(model);
    let ranked;
    try {
      ranked = topKCosine(index.matrix, model.dim, query, k, leaveOut === null ? undefined : (row) => imageKey(index.hits[row]) !== leaveOut);
    } catch (e) {
      return err('model_error', `search: ${errorMessage(e)}`);
    }
    const results: SearchHit[] = ranked.map(({ row, score }) => {
      const { filePath, frame, seriesKey, studyKey, sopInstanceUid, fileKey, modality, description } = index.hits[row];
      return { filePath, frame, seriesKey, studyKey, sopInstanceUid, fileKey, score, modality, description };
    });
    return ok({ model, results, searched: index.hits.length, ms: performance.now() - started });
  }

  /** The stored vectors of present, unchanged files as one matrix; rebuilt only when something changed. */
  private searchMatrix(model: EmbeddingModel): SearchMatrix {
    const { catalog, store } = this.deps;
    const stampNow = () => `${model.name}\0${model.version}\0${store.version()}\0${catalogDataVersion(catalog)}.${this.catalogChanges}`;
    if (this.matrix?.stamp === stampNow()) return this.matrix;
    const images = new Map(catalogImages(catalog).map((i) => [imageKey(i), i]));
    const stored = store.vectors(model);
    const matrix = new Float32Array(stored.refs.length * model.dim);
    const hits: CatalogImage[] = [];
    stored.refs.forEach((ref, row) => {
      const image = images.get(imageKey(ref));
      if (!image || image.size !== ref.size || image.mtimeMs !== ref.mtimeMs) return;
      matrix.set(stored.matrix.subarray(row * model.dim, (row + 1) * model.dim), hits.length * model.dim);
      hits.push({ ...image, frame: ref.frame });
    });
    // vectors() may have deleted corrupt rows: stamp after it so the next call does not rebuild for that.
    this.matrix = { stamp: stampNow(), model, matrix: matrix.subarray(0, hits.length * model.dim), hits };
    return this.matrix;
  }

  /** Cancels indexing and stops the worker. */
  async dispose(): Promise<void> {
    this.deps.jobs.cancelAll('searchIndex');
    const running = this.port;
    this.port = null;
    if (running) await running.port.dispose();
  }
}

