import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { ImportJobStatus } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import { callNames } from '../contract/index';
import { createAppService, type AppService } from './app-service';
import { waitForJob } from './test-helpers';
import type { CallContext } from './context';

const ctx: CallContext = { transport: 'direct', caller: 'test' };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-service-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The series an import reported, as the catalog holds them. */
const seriesOf = (service: AppService, status: ImportJobStatus) =>
  (status.result?.seriesKeys ?? []).flatMap((key) => service.catalog.series(key)?.series ?? []);

describe('createAppService', () => {
  it('has exactly one handler per contract call', () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    expect(Object.keys(service.handlers).sort()).toEqual([...callNames].sort());
    for (const name of callNames) expect(typeof service.handlers[name], name).toBe('function');
    service.dispose();
  });

  it('describes itself in app.info', async () => {
    const service = createAppService({ dataDir: tmp, transport: 'browser', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
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
      cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home'),
      pickPaths: async (kind) => {
        asked.push(kind);
        return ['/chosen/folder'];
      },
    });
    expect(await dispatch(withPicker.handlers, 'app.pickPaths', { kind: 'folder' }, ctx)).toEqual({ ok: true, value: { paths: ['/chosen/folder'] } });
    expect(asked).toEqual(['folder']);
    const browser = createAppService({ dataDir: null, transport: 'browser', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const refused = await dispatch(browser.handlers, 'app.pickPaths', { kind: 'files' }, ctx);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    withPicker.dispose();
    browser.dispose();
  });

  it('opens the phantom sample: generated once, imported as one CT series whose files are served by key', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'phantom' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const status = await waitForJob(service, (started.value as { jobId: string }).jobId);
    expect(status.state).toBe('done');
    expect(status.result?.errors).toEqual([]);
    const series = seriesOf(service, status);
    expect(series).toHaveLength(1);
    expect(series[0].modality).toBe('CT');
    expect(series[0].instances.length).toBeGreaterThan(1);
    for (const instance of series[0].instances) expect(service.registry.resolve(instance.fileKey)).toBe(instance.path);
    service.dispose();
  });

  it('imports paths, reports unknown jobs as not_found, and cancels only running jobs', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const emptyDir = path.join(tmp, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const started = await dispatch(service.handlers, 'dicom.startImport', { paths: [emptyDir] }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    const status = await waitForJob(service, jobId);
    expect(status).toMatchObject({ state: 'done', result: { seriesKeys: [], studyKeys: [], fileCount: 0, added: 0 } });
    expect(await dispatch(service.handlers, 'jobs.cancel', { jobId }, ctx)).toEqual({ ok: true, value: { cancelled: false } });
    expect(await dispatch(service.handlers, 'jobs.status', { jobId: 'no-such-job' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    service.dispose();
  });

  it('dispose cancels running imports', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'phantom' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    service.dispose();
    const status = await waitForJob(service, jobId);
    // Either it was still running (now cancelled) or it had already finished: never left running.
    expect(['cancelled', 'done']).toContain(status.state);
  });

  it('answers not_found with a clear message for the real CT sample without a data directory', async () => {
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const result = await dispatch(service.handlers, 'dicom.openSample', { sample: 'real-ct' }, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!result.ok) expect(result.error.message).toContain('VESALIUS_DATA_DIR');
    const elsewhere = createAppService({ dataDir: tmp, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
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
    const service = createAppService({ dataDir, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
    const info = await dispatch(service.handlers, 'app.info', {}, ctx);
    expect(info).toMatchObject({ ok: true, value: { samples: { realCt: true } } });
    const started = await dispatch(service.handlers, 'dicom.openSample', { sample: 'real-ct' }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const status = await waitForJob(service, (started.value as { jobId: string }).jobId);
    expect(status.state).toBe('done');
    const series = seriesOf(service, status);
    expect(series).toHaveLength(1);
    expect(series[0].instances).toHaveLength(20);
    service.dispose();
  });
});

describe('createAppService: the catalog and path grants', () => {
  it('imports into the catalog of its home, which a new service on the same home still lists', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'vesalius-service-home-'));
    try {
      const first = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home });
      const started = await dispatch(first.handlers, 'dicom.openSample', { sample: 'phantom' }, ctx);
      if (!started.ok) throw new Error(started.error.message);
      const status = await waitForJob(first, (started.value as { jobId: string }).jobId);
      const [studyKey] = status.result?.studyKeys ?? [];
      first.dispose();
      const second = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home });
      const listed = await dispatch(second.handlers, 'catalog.studies', {}, ctx);
      expect(listed).toMatchObject({ ok: true, value: { total: 1, studies: [{ studyKey, modalities: ['CT'] }] } });
      const opened = await dispatch(second.handlers, 'catalog.study', { studyKey }, ctx);
      expect(opened).toMatchObject({ ok: true, value: { patient: { studies: [{ studyInstanceUid: studyKey }] } } });
      expect(await dispatch(second.handlers, 'catalog.study', { studyKey: '1.2.3' }, ctx)).toMatchObject({ ok: false, error: { code: 'not_found' } });
      second.dispose();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses masks.open and dataset scoring outside granted folders; a grant or an import lets them through', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'vesalius-service-home-'));
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home });
    try {
      const folder = path.join(home, 'masks');
      mkdirSync(folder);
      const mask = path.join(folder, 'mask.nii');
      const refused = await dispatch(service.handlers, 'masks.open', { paths: [mask] }, ctx);
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining(`${mask}: not inside a folder you opened or granted`) } });
      const scoring = await dispatch(service.handlers, 'masks.scoreDataset', { truthDir: folder, predDir: folder }, ctx);
      expect(scoring).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await dispatch(service.handlers, 'masks.startDatasetScore', { truthDir: folder, predDir: folder }, ctx)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await dispatch(service.handlers, 'catalog.grantPaths', { paths: [folder], how: 'path-field' }, ctx)).toMatchObject({ ok: true });
      // Granted now: the call goes on to read the (missing) file and reports that instead.
      const read = await dispatch(service.handlers, 'masks.open', { paths: [mask] }, ctx);
      expect(read).toMatchObject({ ok: true, value: { opened: [], errors: [{ path: mask }] } });
      const escape = await dispatch(service.handlers, 'masks.open', { paths: [path.join(folder, '..', 'catalog.db')] }, ctx);
      expect(escape).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      // An imported folder is granted by the import itself.
      const other = path.join(home, 'imported');
      mkdirSync(other);
      const started = await dispatch(service.handlers, 'dicom.startImport', { paths: [other], how: 'drop' }, ctx);
      if (!started.ok) throw new Error(started.error.message);
      await waitForJob(service, (started.value as { jobId: string }).jobId);
      expect(service.catalog.grantedRoots()).toContainEqual({ path: other, how: 'drop' });
      expect((await dispatch(service.handlers, 'masks.scoreDataset', { truthDir: other, predDir: other }, ctx)).ok).toBe(true);
    } finally {
      service.dispose();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
