import type { Handlers } from '../contract/index';
import { FileRegistry } from '../dicom/file-registry';
import { ImportJobs } from '../dicom/import-jobs';
import { ensurePhantomSample } from '../fixtures/sample';
import { createAppHandlers, type PathPicker } from './app-handlers';
import { createAssistantHandlers, type AssistantHandlerDeps } from './assistant-handlers';
import type { CallContext, Transport } from './context';
import { createDicomHandlers } from './dicom-handlers';
import { createMaskHandlers, findImportedSeries } from './mask-handlers';

export interface AppServiceOptions {
  /** The real data directory (from resolveDataDir()), or null where it is absent. */
  dataDir: string | null;
  transport: Transport;
  /** Where generated samples (the phantom series) are written. */
  cacheDir: string;
  /** Native picker; omitted in browser mode, where app.pickPaths answers `unsupported`. */
  pickPaths?: PathPicker;
  /** Model folders and inference worker options for the assistant; defaults to the bundled models/. */
  assistant?: AssistantHandlerDeps;
}

export interface AppService {
  /** One handler per contract call; every transport passes these to dispatch(). */
  handlers: Handlers<CallContext>;
  /** Maps opaque file keys to the files imports found, for the `/dicom/<fileKey>` routes. */
  registry: FileRegistry;
  /** Cancels running imports and stops the inference worker. */
  dispose(): void;
}

/**
 * The services behind the contract, composed from one small module per domain.
 * A new domain adds its `*-handlers.ts` and one spread below; `satisfies` makes the
 * type check fail while any contract call lacks a handler.
 */
export function createAppService(opts: AppServiceOptions): AppService {
  const registry = new FileRegistry();
  const jobs = new ImportJobs(registry);
  const startedJobIds = new Set<string>();
  const assistant = createAssistantHandlers(opts.assistant);

  const handlers = {
    ...createAppHandlers({ transport: opts.transport, dataDir: opts.dataDir, pickPaths: opts.pickPaths }),
    ...createDicomHandlers({
      jobs,
      dataDir: opts.dataDir,
      ensurePhantom: () => ensurePhantomSample(opts.cacheDir),
      onJobStarted: (jobId) => startedJobIds.add(jobId),
    }),
    ...assistant.handlers,
    ...createMaskHandlers({ findSeries: (uid) => findImportedSeries(jobs, startedJobIds, uid) }),
  } satisfies Handlers<CallContext>;

  return {
    handlers,
    registry,
    dispose() {
      for (const jobId of startedJobIds) jobs.cancel(jobId);
      startedJobIds.clear();
      void assistant.dispose(); // Kills the inference worker at once; the promise only waits for its exit.
    },
  };
}
