import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTinyStudy, type WrittenStudy } from '../catalog/test-fixtures';
import type { JobProgress } from '../contract/jobs';
import { dispatch } from '../contract/dispatch';
import type { CallArgs, CallName, CallResult } from '../contract/index';
import { err, ok, type Result } from '../contract/result';
import { loadModelFolder } from '../model/config';
import type { ModelImage } from '../search/embedding-port';
import { embeddingModelOf } from '../search/search-service';
import { fakeEmbeddingClient } from '../search/test-helpers';
import { createAppService, type AppService } from './app-service';
import { defaultModelsDir } from './assistant-handlers';
import { waitForJob } from './test-helpers';

const TINY = path.join(defaultModelsDir(), 'tiny-random');
const ctx = { transport: 'direct' as const, caller: 'test' };
let home: string;
let service: AppService;
let ct: WrittenStudy;
let clients: Array<ReturnType<typeof fakeEmbeddingClient>>;

const call = async <K extends CallName>(name: K, args: CallArgs<K>) => (await dispatch(service.handlers, name, args, ctx)) as Result<CallResult<K>>;
const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
};

/** The app service on the temp home; search embeds with a fake client of tiny-random's identity (or has no model). */
function open(withModel: boolean, autoIndex = false): AppService {
  const folder = loadModelFolder(TINY);
  const client = fakeEmbeddingClient(value(embeddingModelOf(folder)));
  clients.push(client);
  return createAppService({
    dataDir: null,
    home,
    transport: 'direct',
    cacheDir: path.join(home, 'cache'),
    search: { inference: () => (withModel ? ok({ folder, client }) : err('not_found', 'no model folder found under /nowhere')), autoIndex },
  });
}

/** Imports our tiny CT (3 slices, pixel value = slice index) and MR (2 slices) studies through the app's import job. */
async function importStudies(): Promise<void> {
  ct = await writeTinyStudy(path.join(home, 'files', 'ct'), { patientName: 'A', patientId: '1', studyDate: '20240101', modality: 'CT', studyDescription: 'chest', seriesDescription: 'axial chest', slices: 3 });
  await writeTinyStudy(path.join(home, 'files', 'mr'), { patientName: 'B', patientId: '2', studyDate: '20240102', modality: 'MR', studyDescription: 'head', slices: 2 });
  const { jobId } = value(await call('dicom.startImport', { paths: [path.join(home, 'files')] }));
  expect((await waitForJob(service, jobId)).state).toBe('done');
}

async function indexAll(): Promise<{ status: CallResult<'jobs.status'>; events: JobProgress[] }> {
  const events: JobProgress[] = [];
  const off = service.events.on('jobs.progress', (p) => events.push(p));
  const { jobId } = value(await call('search.indexStart', {}));
  for (;;) {
    const status = value(await call('jobs.status', { jobId }));
    if (status.state !== 'running') {
      off();
      return { status, events: events.filter((e) => e.jobId === jobId) };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vesalius-search-handlers-'));
  clients = [];
});

afterEach(async () => {
  service.dispose();
  await rm(home, { recursive: true, force: true });
});

describe('search.* through the app service (real catalog, reader threads; a fake embedding worker)', () => {
  it('indexes the catalog as a searchIndex job with progress, then says so in search.indexStatus', async () => {
    service = open(true);
    await importStudies();
    const before = value(await call('search.indexStatus', {}));
    expect(before).toMatchObject({ indexed: 0, total: 5, failed: 0, running: false, jobId: null, problem: null });
    expect(before.model).toMatchObject({ name: 'tiny-random', dim: value(embeddingModelOf(loadModelFolder(TINY))).dim });

    const { status, events } = await indexAll();
    expect(status.kind).toBe('searchIndex');
    expect(status.state).toBe('done');
    if (status.kind !== 'searchIndex' || !status.result) throw new Error('no summary');
    expect(status.result).toMatchObject({ embedded: 5, skipped: 0, failedCount: 0, removed: 0 });
    expect(events.at(-1)).toMatchObject({ kind: 'searchIndex', state: 'done', done: 5, total: 5 });
    // Both decoding paths ran: HU for CT, rendered 8-bit grey for MR.
    expect(clients[0].calls.images.map((i) => i.kind).sort()).toEqual(['gray8', 'gray8', 'hu', 'hu', 'hu']);
    // With the header tags a 0.3 model reads as facts, as the dock and the CLI send them.
    expect(clients[0].calls.images.map((i) => (i as ModelImage).header?.modality).sort()).toEqual(['CT', 'CT', 'CT', 'MR', 'MR']);
    // As background work, through the whole path (search service, embedding port, client): the dock goes first.
    expect(clients[0].calls.imagePriorities).toEqual(Array(5).fill('background'));
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ indexed: 5, total: 5, running: false });

    // Resumable: nothing to do the second time.
    const again = await indexAll();
    expect(again.status.kind === 'searchIndex' && again.status.result).toMatchObject({ embedded: 0, skipped: 5 });
  });

  it('ranks by text and by image: results best first, named by file, frame, series, study, score; the image itself left out', async () => {
    service = open(true);
    await importStudies();
    await indexAll();
    const byText = value(await call('search.text', { text: 'value 2', k: 3 }));
    expect(byText.results).toHaveLength(3);
    expect(byText.searched).toBe(5);
    for (let i = 1; i < byText.results.length; i++) expect(byText.results[i - 1].score).toBeGreaterThanOrEqual(byText.results[i].score);
    for (const hit of byText.results) {
      expect(hit.filePath.startsWith(path.join(home, 'files'))).toBe(true);
      expect(hit.frame).toBe(1);
      expect(hit.fileKey).not.toContain('/');
      expect(['CT', 'MR']).toContain(hit.modality);
      expect(hit.score).toBeLessThanOrEqual(1 + 1e-6);
    }

    const self = path.resolve(ct.files[1]);
    const similar = value(await call('search.similar', { seriesKey: ct.seriesUid, filePath: self, k: 10 }));
    expect(similar.results).toHaveLength(4);
    expect(similar.results.map((r) => r.filePath)).not.toContain(self);
    const bySop = value(await call('search.similar', { seriesKey: ct.seriesUid, sopInstanceUid: similar.results.find((r) => r.modality === 'CT')!.sopInstanceUid, k: 1 }));
    expect(bySop.results).toHaveLength(1);
  });

  it('refuses in words: empty text, both or neither image keys, an image not in the series, a frame it lacks', async () => {
    service = open(true);
    await importStudies();
    expect(await call('search.text', { text: '   ', k: 5 })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(await call('search.similar', { seriesKey: ct.seriesUid, k: 5 })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    const missing = await call('search.similar', { seriesKey: ct.seriesUid, sopInstanceUid: '1.2.3', k: 5 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!missing.ok) expect(missing.error.message).toMatch(/instance 1\.2\.3 is not in series/);
    const frame = await call('search.similar', { seriesKey: ct.seriesUid, filePath: path.resolve(ct.files[0]), frame: 3, k: 5 });
    expect(frame.ok || frame.error.message).toMatch(/has 1 frame\(s\), there is no frame 3/);
  });

  it('with autoIndex, an import starts indexing in the background', async () => {
    service = open(true, true);
    await importStudies();
    for (let tries = 0; value(await call('search.indexStatus', {})).indexed < 5; tries++) {
      expect(tries).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(clients[0].calls.images).toHaveLength(5);
  });

  it('with autoIndex, an import during a run gets its images embedded by the run that follows', async () => {
    // The first embedding waits until the second import is done, so that import lands while the run is going.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const folder = loadModelFolder(TINY);
    const fake = fakeEmbeddingClient(value(embeddingModelOf(folder)));
    const client = { ...fake, embedImage: async (image: ModelImage) => {
        await gate;
        return fake.embedImage(image);
      },
    };
    service = createAppService({ dataDir: null, home, transport: 'direct', cacheDir: path.join(home, 'cache'), search: { inference: () => ok({ folder, client }), autoIndex: true } });
    await importStudies();
    expect(value(await call('search.indexStatus', {})).running).toBe(true);
    await writeTinyStudy(path.join(home, 'more'), { patientName: 'C', patientId: '3', studyDate: '20240103', modality: 'CT', studyDescription: 'abdomen', slices: 2 });
    const { jobId } = value(await call('dicom.startImport', { paths: [path.join(home, 'more')] }));
    expect((await waitForJob(service, jobId)).state).toBe('done');
    release();
    for (let tries = 0; value(await call('search.indexStatus', {})).indexed < 7; tries++) {
      expect(tries).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ indexed: 7, total: 7 });
  });

  it('cancels through jobs.cancel; the next run resumes', async () => {
    service = open(true);
    await importStudies();
    const { jobId } = value(await call('search.indexStart', {}));
    expect(value(await call('search.indexStart', {})).jobId).toBe(jobId);
    expect(value(await call('jobs.cancel', { jobId })).cancelled).toBe(true);
    expect(value(await call('jobs.status', { jobId })).state).toBe('cancelled');
    const { status } = await indexAll();
    expect(status.state).toBe('done');
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ indexed: 5 });
  });

  it('without a model: status says why, indexStart and search refuse naming it', async () => {
    service = open(false);
    await importStudies();
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ model: null, total: 5, problem: 'no model folder found under /nowhere' });
    expect(await call('search.indexStart', {})).toMatchObject({ ok: false, error: { code: 'not_found', message: 'search.indexStart: no model folder found under /nowhere' } });
    expect(await call('search.text', { text: 'chest', k: 5 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('a model without embedding graphs cannot search, and says so', async () => {
    const folder = loadModelFolder(TINY);
    const { image_embed: _i, text_embed: _t, ...files } = folder.config.files;
    const noEmbed = { ...folder, config: { ...folder.config, files }, onnxPaths: { ...folder.onnxPaths, imageEmbed: undefined, textEmbed: undefined } };
    service = createAppService({ dataDir: null, home, transport: 'direct', cacheDir: path.join(home, 'cache'), search: { inference: () => ok({ folder: noEmbed, client: clients[0] ?? fakeEmbeddingClient({ name: 'x', version: '1', dim: 4 }) }) } });
    expect(value(await call('search.indexStatus', {})).problem).toMatch(/tiny-random has no embedding graphs/);
    expect(await call('search.indexStart', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });
});
