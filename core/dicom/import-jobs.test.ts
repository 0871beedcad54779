import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJobStatusSchema, type ImportJobStatus } from '../contract/dicom';
import { writeImportCorpus } from '../fixtures/corpus';
import { Catalog } from '../catalog/catalog';
import { importIntoCatalog } from '../catalog/import';
import { ImportJobs } from './import-jobs';

let workDir: string;
let corpusRoot: string;
let fileCount: number;
let catalog: Catalog;
const catalogJobs = () => new ImportJobs((paths, opts) => importIntoCatalog(catalog, paths, opts));
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-jobs-'));
  catalog = Catalog.open(workDir);
  const corpus = await writeImportCorpus(path.join(workDir, 'corpus'));
  corpusRoot = corpus.root;
  fileCount = corpus.expected.size;
});
afterAll(async () => {
  catalog.close();
  await rm(workDir, { recursive: true, force: true });
});

async function settle(jobs: ImportJobs, jobId: string): Promise<ImportJobStatus> {
  for (let i = 0; i < 500; i++) {
    const status = jobs.status(jobId);
    if (!status) throw new Error('job vanished');
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('job did not finish');
}

describe('ImportJobs', () => {
  it('runs an import in the background and reports counts and keys', async () => {
    const jobs = catalogJobs();
    const jobId = jobs.start([corpusRoot]);
    expect(jobId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(jobs.status(jobId)?.state).toBe('running');
    const status = await settle(jobs, jobId);
    expect(importJobStatusSchema.parse(status)).toEqual(status);
    expect(status.state).toBe('done');
    expect([status.processed, status.total]).toEqual([fileCount, fileCount]);
    expect(status.result?.fileCount).toBe(fileCount);
    const seriesKey = status.result?.seriesKeys[0] ?? '';
    const instance = catalog.series(seriesKey)?.series.instances[0];
    expect(instance && catalog.resolve(instance.fileKey)).toBe(instance?.path);
    expect(jobs.cancel(jobId)).toBe(false);
  });

  it('cancels a running job', async () => {
    const jobs = catalogJobs();
    const jobId = jobs.start([corpusRoot]);
    expect(jobs.cancel(jobId)).toBe(true);
    const status = await settle(jobs, jobId);
    expect(status.state).toBe('cancelled');
    expect(status.result).toBeNull();
    // The background work must not overwrite the cancelled state when it winds down.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jobs.status(jobId)?.state).toBe('cancelled');
  });

  it('knows nothing of unknown jobs', () => {
    const jobs = catalogJobs();
    expect(jobs.status('nope')).toBeUndefined();
    expect(jobs.cancel('nope')).toBe(false);
  });
});
