import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { ImportJobStatus } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import { callNames } from '../contract/index';
import { createAppService, type AppService } from './app-service';
import type { CallContext } from './context';

const ctx: CallContext = { transport: 'direct', caller: 'test' };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-service-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Polls an import job until it leaves `running` (the indexer reports progress as it goes). */
async function waitForJob(service: AppService, jobId: string): Promise<ImportJobStatus> {
  for (;;) {
    const status = await dispatch(service.handlers, 'dicom.importStatus', { jobId }, ctx);
    if (!status.ok) throw new Error(status.error.message);
    const value = status.value as ImportJobStatus;
    if (value.state !== 'running') return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const seriesOf = (status: ImportJobStatus) => status.result?.patients.flatMap((p) => p.studies.flatMap((s) => s.series)) ?? [];

describe('createAppService', () => {
  it('has exactly one handler per contract call', () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    expect(Object.keys(service.handlers).sort()).toEqual([...callNames].sort());
    for (const name of callNames) expect(typeof service.handlers[name], name).toBe('function');
    service.dispose();
  });

  it('describes itself in app.info', async () => {
    const service = createAppService({ dataDir: tmp, transport: 'browser', cacheDir: path.join(tmp, 'cache') });
    const info = await dispatch(service.handlers, 'app.info', {}, ctx);
    // tmp has no dicom/ct-series-totalseg, so the real CT sample is not offered.
    expect(info).toEqual({
      ok: true,
      value: { name: 'Vesalius', version: expect.stringMatching(/^\d+\.\d+\.\d+/), transport: 'browser', dataDir: tmp, samples: { phantom: true, realCt: false } },
    });
    service.dispose();
  });

  it('picks paths with the given picker, and answers unsupported without one', async () => {
    const asked: string[] = [];
    const withPicker = createAppService({
      dataDir: null,
      transport: 'electron',
      cacheDir: path.join(tmp, 'cache'),
      pickPaths: async (kind) => {
        asked.push(kind);
        return ['/chosen/folder'];
      },
    });
    expect(await dispatch(withPicker.handlers, 'app.pickPaths', { kind: 'folder' }, ctx)).toEqual({ ok: true, value: { paths: ['/chosen/folder'] } });
    expect(asked).toEqual(['folder']);
    const browser = createAppService({ dataDir: null, transport: 'browser', cacheDir: path.join(tmp, 'cache') });
    const refused = await dispatch(browser.handlers, 'app.pickPaths', { kind: 'files' }, ctx);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    withPicker.dispose();
    browser.dispose();
  });

  it('opens the phantom sample: generated once, imported as one CT series whose files are served by key', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'phantom' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const status = await waitForJob(service, (started.value as { jobId: string }).jobId);
    expect(status.state).toBe('done');
    expect(status.result?.errors).toEqual([]);
    const series = seriesOf(status);
    expect(series).toHaveLength(1);
    expect(series[0].modality).toBe('CT');
    expect(series[0].instances.length).toBeGreaterThan(1);
    for (const instance of series[0].instances) expect(service.registry.resolve(instance.fileKey)).toBe(instance.path);
    service.dispose();
  });

  it('imports paths, reports unknown jobs as not_found, and cancels only running jobs', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const emptyDir = path.join(tmp, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const started = await dispatch(service.handlers, 'dicom.startImport', { paths: [emptyDir] }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    const status = await waitForJob(service, jobId);
    expect(status).toMatchObject({ state: 'done', result: { patients: [], fileCount: 0 } });
    expect(await dispatch(service.handlers, 'dicom.cancelImport', { jobId }, ctx)).toEqual({ ok: true, value: { cancelled: false } });
    expect(await dispatch(service.handlers, 'dicom.importStatus', { jobId: 'no-such-job' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    service.dispose();
  });

  it('dispose cancels running imports', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'phantom' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    service.dispose();
    const status = await waitForJob(service, jobId);
    // Either it was still running (now cancelled) or it had already finished: never left running.
    expect(['cancelled', 'done']).toContain(status.state);
  });

  it('answers not_found with a clear message for the real CT sample without a data directory', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const result = await dispatch(service.handlers, 'dicom.openSample', { sample: 'real-ct' }, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!result.ok) expect(result.error.message).toContain('VESALIUS_DATA_DIR');
    const elsewhere = createAppService({ dataDir: tmp, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const missing = await dispatch(elsewhere.handlers, 'dicom.openSample', { sample: 'real-ct' }, ctx);
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!missing.ok) expect(missing.error.message).toContain(path.join(tmp, 'dicom', 'ct-series-totalseg'));
    service.dispose();
    elsewhere.dispose();
  });
});

const dataDir = resolveDataDir();
if (!dataDir) console.log(dataDirMissingMessage());

describe.skipIf(!dataDir)('createAppService with the real data directory', () => {
  it('opens the real CT sample: one 20-slice CT series', async () => {
    const service = createAppService({ dataDir, transport: 'direct', cacheDir: path.join(tmp, 'cache') });
    const info = await dispatch(service.handlers, 'app.info', {}, ctx);
    expect(info).toMatchObject({ ok: true, value: { samples: { realCt: true } } });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'real-ct' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const status = await waitForJob(service, (started.value as { jobId: string }).jobId);
    expect(status.state).toBe('done');
    const series = seriesOf(status);
    expect(series).toHaveLength(1);
    expect(series[0].instances).toHaveLength(20);
    service.dispose();
  });
});
