import type { CallArgs, CallName, CallResult, Handlers } from '../contract/index';
import { dispatch } from '../contract/dispatch';
import type { Result } from '../contract/result';
import { Catalog, type FileResolver } from '../catalog/catalog';
import { importIntoCatalog } from '../catalog/import';
import { ensureHome } from '../config/home';
import { ImportJobs } from '../dicom/import-jobs';
import { JobRegistry } from '../jobs/job-registry';
import { EventBus } from '../transport/event-bus';
import { ensurePhantomSample } from '../fixtures/sample';
import { createAppHandlers, type PathPicker } from './app-handlers';
import { createAssistantHandlers, type AssistantHandlerDeps } from './assistant-handlers';
import { createCatalogHandlers } from './catalog-handlers';
import type { CallContext, Transport } from './context';
import { createDicomHandlers } from './dicom-handlers';
import { attachDatasetMasks, DATASET_AUTHOR, expandPngDatasets, type OpenExpertMask } from './dataset-import';
import { DatasetScoreJobs } from './dataset-jobs';
import { createJobHandlers } from './job-handlers';
import { createMaskHandlers } from './mask-handlers';
import { MaskStore } from './mask-store';
import { createAgreementHandlers } from './agreement-handlers';
import { createStoreHandlers } from './store-handlers';
import { createModelOutputHandlers } from './model-segmentation-handlers';
import { createExportHandlers } from './export-handlers';
import { createReportHandlers } from './report-handlers';
import { createScoreExportHandlers } from './score-export-handlers';
import { createSearchHandlers } from './search-handlers';
import { EmbeddingStore } from '../search/embedding-store';
import { readerFrameDecoder } from '../search/frame-image';
import { SearchService, type SearchInference } from '../search/search-service';
import { HeaderSandbox } from '../sandbox/header-sandbox';
import { ReaderSandbox } from '../sandbox/reader-sandbox';
import { ANNOTATION_DB_FILE } from '../store/annotation-store';
import { StoreHandle } from '../store/store-handle';
import os from 'node:os';
import path from 'node:path';

/** Where PNG datasets' converted DICOM files live, in the home. */
export const DATASETS_FOLDER = 'datasets';

export interface AppServiceOptions {
  /** The real data directory (from resolveDataDir()), or null where it is absent. */
  dataDir: string | null;
  /** The data home (resolveHome()): `catalog.db` lives here. Created when missing. */
  home: string;
  transport: Transport;
  /** Where generated samples (the phantom series) are written. */
  cacheDir: string;
  /** Native picker; omitted in browser mode, where app.pickPaths answers `unsupported`. */
  pickPaths?: PathPicker;
  /** Model folders and inference worker options for the assistant; defaults to the bundled models/. */
  assistant?: AssistantHandlerDeps;
  /**
   * Archive search (core/search) embeds through the assistant's worker; `inference` replaces it (tests).
   * `autoIndex`: every catalog change starts indexing in the background (the app and browser mode; the CLI
   * indexes when a search needs it).
   */
  search?: { inference?: SearchInference; autoIndex?: boolean };
}

export interface AppService {
  /** One handler per contract call; every transport passes these to dispatch(). */
  handlers: Handlers<CallContext>;
  /** Maps opaque file keys to the files imports found (present ones only), for the `/dicom/<fileKey>` routes. */
  registry: FileResolver;
  /** The study catalog in the home (tests and the CLI reach it here). */
  catalog: Catalog;
  /**
   * Server → page events (jobs.progress, catalog.changed, store.changed): services emit through `events.emit`,
   * each transport forwards them to its pages (`events.onAny`), direct callers listen with `events.on`.
   */
  events: EventBus;
  /** Cancels running jobs and stops the inference worker. */
  dispose(): void;
}

/**
 * The services behind the contract, composed from one small module per domain.
 * A new domain adds its `*-handlers.ts` and one spread below; `satisfies` makes the
 * type check fail while any contract call lacks a handler.
 */
export function createAppService(opts: AppServiceOptions): AppService {
  const catalog = Catalog.open(ensureHome(opts.home));
  const events = new EventBus();
  const jobRegistry = new JobRegistry({ emit: events.emit });
  // Every untrusted mask or dataset image is read on these threads, within their time and memory limits.
  const readers = new ReaderSandbox();
  // Every DICOM header an import reads is parsed on these threads (batches of files; a file that stops its thread fails alone).
  const headers = new HeaderSandbox();
  const jobs = new ImportJobs(async (paths, progress) => {
    // PNG dataset folders are converted to DICOM in the home first; their masks are stored once the series exist.
    const expanded = await expandPngDatasets(paths, path.join(opts.home, DATASETS_FOLDER), {
      signal: progress.signal,
      onProgress: progress.onProgress,
      readImage: (imagePath) => readers.readGrayPng(imagePath, 'a dataset image'),
    });
    const summary = await importIntoCatalog(catalog, expanded.paths, { ...progress, headerReader: headers });
    events.emit('catalog.changed', {}); // study lists fetch again
    if (expanded.conversions.length === 0) return summary;
    const masksOutcome = await attachDatasetMasks(expanded.conversions, openExpertMask, progress.signal);
    return { ...summary, expertMasks: masksOutcome.stored, errors: [...expanded.errors, ...summary.errors, ...masksOutcome.errors] };
  }, jobRegistry);
  // Through the same handler as the app's "Open mask": the same fitting, checks and provenance.
  const openExpertMask: OpenExpertMask = async (maskPath, seriesKey) => {
    const opened = await handlers['masks.open'](
      { paths: [maskPath], seriesInstanceUid: seriesKey, role: 'expert', author: DATASET_AUTHOR },
      { transport: 'direct', caller: 'dataset import' },
    );
    if (!opened.ok) return opened.error.message;
    return opened.value.errors[0]?.reason ?? null;
  };
  const startedJobIds = new Set<string>();
  // The home holds the user's model folders and the kept choice of model (assistant.selectModel).
  const assistant = createAssistantHandlers({
    home: opts.home,
    emit: events.emit,
    ...opts.assistant,
    // A switch of model cancels an indexing run before the old model's client is disposed (the run embeds through
    // it); then archive search reads the new model's vectors and indexes with it (in the app, or when a run was
    // cancelled by the switch).
    onModelSwitching: () => {
      opts.assistant?.onModelSwitching?.();
      search.modelSwitching();
    },
    onModelSwitched: () => {
      opts.assistant?.onModelSwitched?.();
      search.modelSwitched(opts.search?.autoIndex === true);
    },
  });
  // The annotation store beside the catalog (core/store/README.md); opened on first use, reopened after a failure.
  const annotationStore = new StoreHandle(path.join(opts.home, ANNOTATION_DB_FILE));
  const masks = new MaskStore(annotationStore);
  const defaultAuthor = userName();
  // Search embeds with the assistant's model through its worker: one model load; an indexing run sends one image
  // at a time, so a request from the dock waits for at most one embedding.
  const searchStore = EmbeddingStore.open(opts.home);
  const search = new SearchService({
    catalog,
    store: searchStore,
    jobs: jobRegistry,
    decode: readerFrameDecoder(readers),
    inference: opts.search?.inference ?? (() => assistant.inference()),
  });
  events.on('catalog.changed', () => {
    search.catalogChanged();
    if (opts.search?.autoIndex) search.indexInBackground();
  });
  // The first search would otherwise wait while search.db's vectors are read (seconds at 100k): read them now.
  if (opts.search?.autoIndex) void search.preload();
  /** A call one service makes of another, validated through dispatch as any transport's. */
  const innerCall = async <K extends CallName>(name: K, args: CallArgs<K>): Promise<Result<CallResult<K>>> =>
    (await dispatch(handlers, name, args, { transport: 'direct', caller: 'service' })) as Result<CallResult<K>>;

  const handlers = {
    ...createAppHandlers({
      transport: opts.transport,
      dataDir: opts.dataDir,
      pickPaths: opts.pickPaths,
      onPicked: (paths) => catalog.grant(paths, 'dialog'),
    }),
    ...createDicomHandlers({
      jobs,
      grant: (paths, how) => catalog.grant(paths, how),
      dataDir: opts.dataDir,
      ensurePhantom: () => ensurePhantomSample(opts.cacheDir),
      onJobStarted: (jobId) => startedJobIds.add(jobId),
    }),
    ...assistant.handlers,
    ...createMaskHandlers({
      findSeries: (key) => catalog.series(key)?.series ?? null,
      checkPath: (p) => catalog.checkGranted(p),
      masks,
      defaultAuthor,
      emit: events.emit,
      readMask: readers.readMask,
      datasetJobs: new DatasetScoreJobs(jobRegistry, readers.readMask),
    }),
    ...createStoreHandlers({ masks, defaultAuthor, emit: events.emit }),
    ...createModelOutputHandlers({ masks, defaultAuthor, emit: events.emit }),
    ...createExportHandlers({ masks, defaultAuthor, findSeries: (key) => catalog.series(key)?.series ?? null, checkPath: (p) => catalog.checkGranted(p), segSource: readers.segSource }),
    ...createAgreementHandlers({ masks, defaultAuthor, emit: events.emit }),
    ...createReportHandlers({
      store: annotationStore,
      findStudy: (key) => catalog.study(key),
      checkPath: (p) => catalog.checkGranted(p),
      renderFile: readers.renderFile,
      defaultAuthor,
      // The DICOM outputs are composed from the other calls (SEGs written and audited as masks.export writes them).
      dicom: { call: innerCall, patientStudy: readers.patientStudy, segSource: readers.segSource, modalityFrame: readers.modalityFrame },
    }),
    ...createScoreExportHandlers({ checkPath: (p) => catalog.checkGranted(p), readMask: readers.readMask, call: innerCall }),
    ...createJobHandlers(jobRegistry),
    ...createCatalogHandlers({ catalog }),
    ...createSearchHandlers(search),
  } satisfies Handlers<CallContext>;

  return {
    handlers,
    registry: catalog,
    catalog,
    events,
    dispose() {
      jobRegistry.cancelAll();
      startedJobIds.clear();
      void assistant.dispose(); // Kills the inference worker at once; the promise only waits for its exit.
      search.dispose();
      catalog.close(); // an import still winding down then fails quietly: its job is cancelled already
      annotationStore.close();
      searchStore.close(); // after its job was cancelled: a run winding down checks the signal before each write
      void readers.close(); // a read in flight fails as closed; its job was cancelled above
      void headers.close();
    },
  };
}

/** Who the app acts for when a call names no author: the OS user (annotations record it). */
function userName(): string {
  try {
    return os.userInfo().username || 'unknown user';
  } catch {
    return 'unknown user';
  }
}
