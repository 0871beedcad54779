import { existsSync, statSync } from 'node:fs';
import type { dicomCalls } from '../contract/dicom';
import { err, ok } from '../contract/result';
import type { ImportJobs } from '../dicom/import-jobs';
import { dataDirMissingMessage } from '../config/data-dir';
import type { DomainHandlers } from './context';
import { realCtSampleDir } from './sample-paths';

export interface DicomHandlerDeps {
  jobs: ImportJobs;
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
    'dicom.startImport': async ({ paths }) => ok({ jobId: start(paths) }),
    'dicom.importStatus': async ({ jobId }) => {
      const status = deps.jobs.status(jobId);
      return status ? ok(status) : err('not_found', `dicom.importStatus: no import job '${jobId}'`);
    },
    'dicom.cancelImport': async ({ jobId }) => ok({ cancelled: deps.jobs.cancel(jobId) }),
    'dicom.openSample': async ({ sample }) => {
      if (sample === 'phantom') return ok({ jobId: start([await deps.ensurePhantom()]) });
      if (deps.dataDir === null) {
        return err('not_found', `dicom.openSample: the real CT sample needs the data directory: ${dataDirMissingMessage()}`);
      }
      const folder = realCtSampleDir(deps.dataDir);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        return err('not_found', `dicom.openSample: real CT sample folder not found: ${folder}`);
      }
      return ok({ jobId: start([folder]) });
    },
  };
}
