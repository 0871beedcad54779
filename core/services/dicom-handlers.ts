import { existsSync, statSync } from 'node:fs';
import type { GrantHow } from '../contract/catalog';
import type { dicomCalls } from '../contract/dicom';
import { err, ok } from '../contract/result';
import type { ImportJobs } from '../dicom/import-jobs';
import { dataDirMissingMessage } from '../config/data-dir';
import type { DomainHandlers } from './context';
import { realCtSampleDir } from './sample-paths';

export interface DicomHandlerDeps {
  jobs: ImportJobs;
  /** Records paths as granted by the user (the catalog's grant). */
  grant: (paths: string[], how: GrantHow) => void;
  dataDir: string | null;
  /** Writes the synthetic phantom series once and returns its folder. */
  ensurePhantom: () => Promise<string>;
  /** Told about every job started, so the service can cancel them all on dispose. */
  onJobStarted: (jobId: string) => void;
}

export function createDicomHandlers(deps: DicomHandlerDeps): DomainHandlers<typeof dicomCalls> {
  const start = (paths: string[]): string => {
    const jobId = deps.jobs.start(paths);
    deps.onJobStarted(jobId);
    return jobId;
  };

  return {
    // The user gave these paths (typed, dropped or picked): importing them grants them.
    'dicom.startImport': async ({ paths, how }) => {
      deps.grant(paths, how ?? 'path-field');
      return ok({ jobId: start(paths) });
    },
    'dicom.openSample': async ({ sample }) => {
      if (sample === 'phantom') {
        const folder = await deps.ensurePhantom();
        deps.grant([folder], 'sample');
        return ok({ jobId: start([folder]) });
      }
      if (deps.dataDir === null) {
        return err('not_found', `dicom.openSample: the real CT sample needs the data directory: ${dataDirMissingMessage()}`);
      }
      const folder = realCtSampleDir(deps.dataDir);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        return err('not_found', `dicom.openSample: real CT sample folder not found: ${folder}`);
      }
      deps.grant([folder], 'sample');
      return ok({ jobId: start([folder]) });
    },
  };
}
