import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTinyStudy } from '../catalog/test-fixtures';
import { dispatch } from '../contract/dispatch';
import type { CallArgs, CallName, CallResult } from '../contract/index';
import type { JobProgress } from '../contract/jobs';
import { err, ok, type Result } from '../contract/result';
import type { InferencePort } from '../inference/port';
import type { EmbeddingValue } from '../inference/protocol';
import { userModelsDirOf } from '../model/registry';
import { copyTinyAsListedModel } from '../model/test-models';
import { createAppService, type AppService } from './app-service';
import { waitForJob } from './test-helpers';

// A switch of model while archive indexing runs (the run embeds through the assistant's inference client, which the
// switch disposes): the run is cancelled through the job registry, none of its images is recorded as a model error,
// and the new model's run covers every image once; a later run of the first model resumes where it was cancelled.

const ctx = { transport: 'direct' as const, caller: 'test' };
const IMAGES = 5;
/** model-a answers this many embeddings, then holds the next one until its client is disposed. */
const A_ANSWERS_BEFORE_HOLD = 2;

let home: string;
let service: AppService;

const call = async <K extends CallName>(name: K, args: CallArgs<K>) => (await dispatch(service.handlers, name, args, ctx)) as Result<CallResult<K>>;
const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
};
const until = async (what: string, condition: () => boolean | Promise<boolean>): Promise<void> => {
  for (let tries = 0; !(await condition()); tries++) {
    if (tries > 500) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** What one fake client was asked to embed, and whether it was disposed. */
interface FakeEmbedder extends InferencePort {
  model: string;
  embedCalls: number;
  disposed: boolean;
}

/**
 * Inference clients that embed like the real one answers (the folder's name and version, embed_dim values), and,
 * like it, answer a request pending at dispose and every later one with a model error. `hold` makes a client keep
 * its nth request (1-based) pending.
 */
function fakeClients(hold: (model: string, nth: number) => boolean) {
  const made: FakeEmbedder[] = [];
  const factory = (modelDir: string): FakeEmbedder => {
    const model = path.basename(modelDir);
    const { version, embeddings } = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { version: string; embeddings: { embed_dim: number } };
    const disposedError = () => err('model_error', `${model}: embedImage: the inference client was disposed`);
    const pending: Array<() => void> = [];
    const unsupported = async () => err('unsupported', 'not in this fake');
    const client: FakeEmbedder = {
      modelDir,
      model,
      loaded: true,
      embedCalls: 0,
      disposed: false,
      load: unsupported,
      caption: unsupported,
      answer: unsupported,
      segment: unsupported,
      embedText: unsupported,
      embedTexts: unsupported,
      embedImage: async (image): Promise<Result<EmbeddingValue>> => {
        if (client.disposed) return disposedError();
        client.embedCalls++;
        if (hold(model, client.embedCalls)) await new Promise<void>((resolve) => pending.push(resolve));
        if (client.disposed) return disposedError();
        const embedding = new Float32Array(embeddings.embed_dim).fill(0.1);
        embedding[0] = image.data[0] + 1; // a vector of the image: not zero
        return ok({ model, version, embedding, ms: 1 });
      },
      dispose: async () => {
        client.disposed = true;
        for (const resolve of pending.splice(0)) resolve();
      },
    };
    made.push(client);
    return client;
  };
  return { made, factory };
}

async function importStudies(): Promise<void> {
  await writeTinyStudy(path.join(home, 'files', 'ct'), { patientName: 'A', patientId: '1', studyDate: '20240101', modality: 'CT', studyDescription: 'chest', slices: 3 });
  await writeTinyStudy(path.join(home, 'files', 'mr'), { patientName: 'B', patientId: '2', studyDate: '20240102', modality: 'MR', studyDescription: 'head', slices: 2 });
  const { jobId } = value(await call('dicom.startImport', { paths: [path.join(home, 'files')] }));
  expect((await waitForJob(service, jobId)).state).toBe('done');
}

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vesalius-model-switch-indexing-'));
});

afterEach(async () => {
  service?.dispose();
  await rm(home, { recursive: true, force: true });
});

describe('a switch of model during archive indexing', () => {
  it('cancels the running index job, records no model errors, and the new model indexes every image once', async () => {
    const bundledDir = path.join(home, 'bundled');
    copyTinyAsListedModel(path.join(bundledDir, 'model-a'));
    copyTinyAsListedModel(path.join(userModelsDirOf(home), 'model-b'));
    // Only the first model-a client holds a request: the run is caught in the middle by the switch.
    let aClients = 0;
    const clients = fakeClients((model, nth) => model === 'model-a' && aClients === 1 && nth === A_ANSWERS_BEFORE_HOLD + 1);
    const factory = (modelDir: string) => {
      if (path.basename(modelDir) === 'model-a') aClients++;
      return clients.factory(modelDir);
    };
    service = createAppService({ dataDir: null, home, transport: 'direct', cacheDir: path.join(home, 'cache'), assistant: { modelsDir: bundledDir, createClient: factory }, search: { autoIndex: true } });
    const progress: JobProgress[] = [];
    service.events.on('jobs.progress', (p) => {
      if (p.kind === 'searchIndex') progress.push(p);
    });
    expect(value(await call('assistant.listModels', {})).selectedId).toBe('bundled:model-a');

    // The import starts model-a's run; it embeds two images and waits on the third.
    await importStudies();
    await until("model-a's third embedding", () => clients.made[0]?.embedCalls === A_ANSWERS_BEFORE_HOLD + 1);
    const first = value(await call('search.indexStatus', {}));
    expect(first).toMatchObject({ running: true, model: { name: 'model-a' }, indexed: A_ANSWERS_BEFORE_HOLD, total: IMAGES });
    const firstJob = first.jobId!;

    // The switch: model-a's client is disposed (its pending request answers a model error), its run is cancelled.
    expect(value(await call('assistant.selectModel', { id: 'user:model-b' })).selectedId).toBe('user:model-b');
    expect(clients.made[0]).toMatchObject({ model: 'model-a', disposed: true });
    expect(value(await call('jobs.status', { jobId: firstJob }))).toMatchObject({ state: 'cancelled', message: 'search indexing cancelled' });

    // model-b's run starts from the switch and covers every image once.
    await until("model-b's run", async () => {
      const status = value(await call('search.indexStatus', {}));
      return status.model?.name === 'model-b' && !status.running && status.indexed === IMAGES;
    });
    const bJobs = [...new Set(progress.filter((p) => p.jobId !== firstJob).map((p) => p.jobId))];
    expect(bJobs).toHaveLength(1);
    const second = value(await call('jobs.status', { jobId: bJobs[0] }));
    expect(second.state).toBe('done');
    if (second.kind !== 'searchIndex' || !second.result) throw new Error('no summary');
    expect(second.result).toMatchObject({ model: { name: 'model-b' }, embedded: IMAGES, skipped: 0, failedCount: 0, failed: [] });
    expect(clients.made.map((c) => [c.model, c.embedCalls, c.disposed])).toEqual([
      ['model-a', A_ANSWERS_BEFORE_HOLD + 1, true],
      ['model-b', IMAGES, false],
    ]);
    // The first job's events end cancelled: no failure message, no state after it.
    const firstEvents = progress.filter((p) => p.jobId === firstJob);
    expect(firstEvents.at(-1)).toMatchObject({ state: 'cancelled' });
    expect(firstEvents.filter((p) => p.state !== 'running')).toHaveLength(1);
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ indexed: IMAGES, failed: 0 });

    // Back to model-a: its run resumes, embedding only the images its cancelled run had not stored (none failed).
    value(await call('assistant.selectModel', { id: 'bundled:model-a' }));
    await until("model-a's second run", async () => {
      const status = value(await call('search.indexStatus', {}));
      return status.model?.name === 'model-a' && !status.running && status.indexed === IMAGES;
    });
    const last = progress.at(-1)!;
    const resumed = value(await call('jobs.status', { jobId: last.jobId }));
    if (resumed.kind !== 'searchIndex' || !resumed.result) throw new Error('no summary');
    expect(resumed.result).toMatchObject({ model: { name: 'model-a' }, embedded: IMAGES - A_ANSWERS_BEFORE_HOLD, skipped: A_ANSWERS_BEFORE_HOLD, failedCount: 0 });
    expect(clients.made.at(-1)).toMatchObject({ model: 'model-a', embedCalls: IMAGES - A_ANSWERS_BEFORE_HOLD, disposed: false });
    expect(value(await call('search.indexStatus', {}))).toMatchObject({ indexed: IMAGES, failed: 0 });
  });
});
