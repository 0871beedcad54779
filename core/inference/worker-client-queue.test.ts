import { afterEach, describe, expect, it } from 'vitest';
import { tinyRandomDir } from '../model/test-models';
import { workerStarter } from '../../workers/inference/worker-process';
import { InferenceClient } from './worker-client';
import type { WorkerImage } from './protocol';
import type { StartWorker, WorkerChannel } from './worker-channel';

/** A worker process stand-in: records what it is sent and answers when the test says so. */
function fakeWorkers() {
  const sent: Array<{ id: number; method: string }> = [];
  let deliver: ((message: unknown) => void) | null = null;
  let exit: ((how: string) => void) | null = null;
  const launch: StartWorker = () => {
    const process: WorkerChannel = {
      pid: 4242,
      send: (message) => void sent.push(message as { id: number; method: string }),
      kill: () => exit?.('was killed by SIGKILL'),
      onMessage: (listener) => void (deliver = listener),
      onExit: (listener) => void (exit = listener),
      onStderr: () => undefined,
    };
    return process;
  };
  const answerLoad = (id: number) => deliver?.({ id, result: { ok: true, value: { model: 'tiny-random', tasks: ['caption'], ms: 1 } } });
  const answer = (id: number, value: unknown) => deliver?.({ id, result: { ok: true, value } });
  return { launch, sent, answerLoad, answer, die: (how: string) => exit?.(how) };
}

const image: WorkerImage = { kind: 'gray8', width: 8, height: 8, data: new Uint8Array(64) };
const clients: InferenceClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
const client = (start: StartWorker = workerStarter()) => {
  const c = new InferenceClient({ modelDir: tinyRandomDir, requestTimeoutMs: 60_000, start });
  clients.push(c);
  return c;
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('InferenceClient queue', () => {
  it('sends a queued interactive request before 20 queued background embeds (the one in flight runs on)', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const embedding = { model: 'tiny-random', version: '0', embedding: new Float32Array(16).fill(0.25), ms: 1 };
    const embeds = Array.from({ length: 20 }, () => c.embedImage(image, { priority: 'background' }));
    const laterEmbed = c.embedImage(image, { priority: 'background' });
    const caption = c.caption(image); // interactive by default
    const secondCaption = c.caption(image, { priority: 'interactive' });
    expect(fake.sent.map((m) => m.id)).toEqual([1]); // the first embed was already in flight: never preempted
    expect(c.waiting).toBe(23);
    fake.answer(1, embedding);
    await tick();
    expect(fake.sent.map((m) => [m.id, m.method])).toEqual([[1, 'embedImage'], [22, 'caption']]);
    fake.answer(22, { model: 'tiny-random', text: 'ct', tokenIds: [5], forcedTokens: 0, probability: 0.5, ms: 1 });
    expect(await caption).toMatchObject({ ok: true, value: { text: 'ct', probability: 0.5 } });
    await tick();
    expect(fake.sent.at(-1)).toMatchObject({ id: 23, method: 'caption' }); // interactive ones keep their order
    fake.answer(23, { model: 'tiny-random', text: 'mr', tokenIds: [6], forcedTokens: 0, probability: 0.25, ms: 1 });
    expect(await secondCaption).toMatchObject({ ok: true });
    // Then the background backlog in its own order, the one queued last still last.
    for (let id = 2; id <= 21; id++) {
      await tick();
      expect(fake.sent.at(-1)).toMatchObject({ id, method: 'embedImage' });
      fake.answer(id, embedding);
    }
    expect((await Promise.all(embeds)).every((r) => r.ok)).toBe(true);
    expect(await laterEmbed).toMatchObject({ ok: true });
    expect(fake.sent.map((m) => m.id)).toEqual([1, 22, 23, ...Array.from({ length: 20 }, (_, i) => i + 2)]);
  });

  it('refuses an embedTexts answer with fewer embeddings than texts, or of different lengths, as malformed', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const short = c.embedTexts(['ct, chest.', 'mri, head.']);
    fake.answer(1, { model: 'tiny-random', version: '0', embeddings: [new Float32Array(16)], ms: 1 });
    expect(await short).toMatchObject({ ok: false, error: { code: 'model_error', message: 'tiny-random: embedTexts: the inference worker sent a malformed answer (1 embeddings for 2 texts)' } });
    await tick();
    const ragged = c.embedTexts(['ct, chest.', 'mri, head.']);
    await tick();
    fake.answer(2, { model: 'tiny-random', version: '0', embeddings: [new Float32Array(16), new Float32Array(8)], ms: 1 });
    expect(await ragged).toMatchObject({ ok: false, error: { message: expect.stringMatching(/malformed answer \(embeddings of different or zero lengths\)/) } });
    await tick();
    const good = c.embedTexts(['ct, chest.', 'mri, head.']);
    await tick();
    fake.answer(3, { model: 'tiny-random', version: '0', embeddings: [new Float32Array(16), new Float32Array(16)], ms: 1 });
    expect(await good).toMatchObject({ ok: true, value: { embeddings: [expect.any(Float32Array), expect.any(Float32Array)] } });
  });

  it('sends one request at a time; a cancelled queued request is never sent', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const first = c.load();
    const abort = new AbortController();
    const second = c.load({ signal: abort.signal });
    const third = c.load();
    expect(fake.sent.map((m) => m.id)).toEqual([1]);
    expect(c.waiting).toBe(3);
    abort.abort();
    expect(await second).toMatchObject({ ok: false, error: { code: 'cancelled', message: 'tiny-random: load was cancelled' } });
    fake.answerLoad(1);
    expect(await first).toMatchObject({ ok: true });
    await tick();
    expect(fake.sent.map((m) => m.id)).toEqual([1, 3]); // 2 never reached the worker
    fake.answerLoad(3);
    expect(await third).toMatchObject({ ok: true });
  });

  it('answers a cancelled request in flight at once and drops its late answer; the next waits for the worker', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const abort = new AbortController();
    const running = c.load({ signal: abort.signal });
    const next = c.load();
    abort.abort();
    expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(fake.sent.map((m) => m.id)).toEqual([1]); // the worker is still busy with 1
    fake.answerLoad(1); // dropped: nobody waits for it
    await tick();
    expect(fake.sent.map((m) => m.id)).toEqual([1, 2]);
    fake.answerLoad(2);
    expect(await next).toMatchObject({ ok: true });
  });

  it('an already aborted signal never queues', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const abort = new AbortController();
    abort.abort();
    expect(await c.caption(image, { signal: abort.signal })).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(fake.sent).toEqual([]);
  });

  it('fails the request in flight naming the exit, and sends the queued one to a new worker at once', async () => {
    const fake = fakeWorkers();
    const c = client(fake.launch);
    const running = c.load();
    const queued = c.load();
    fake.die('exited with code 134');
    expect(await running).toMatchObject({ ok: false, error: { code: 'model_error', message: expect.stringMatching(/tiny-random: load: the inference worker exited with code 134; it starts again/) } });
    expect(c.starts).toBe(2);
    expect(fake.sent.map((m) => m.id)).toEqual([1, 2]);
    fake.answerLoad(2);
    expect(await queued).toMatchObject({ ok: true });
  });
});

describe('InferenceClient with a real worker killed mid-request (tiny-random)', () => {
  // The bound: the worker is started from TypeScript through tsx here, on a machine shared by a training run
  // (load average 13–16 on 2 cores at 02:00 UTC): kill → next request served measured 1.6–1.8 s, once 2.8 s.
  // The bundled worker (dist/workers/inference.cjs) needs no transpiling. The assertion is the bound this
  // shared machine can keep; the measured figure is printed.
  const RESTART_BOUND_MS = 8000;

  it('fails the request in flight clearly, and a new worker serves the next request (restarted at once)', async () => {
    const c = client();
    expect((await c.load()).ok).toBe(true);
    const firstPid = c.pid!;
    const inFlight = c.caption(image);
    const queued = c.caption(image);
    process.kill(firstPid, 'SIGKILL');
    const killedAt = performance.now();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'model_error', message: expect.stringMatching(/tiny-random: caption: the inference worker was killed by SIGKILL/) } });
    const served = await queued;
    const backMs = performance.now() - killedAt;
    expect(served.ok, JSON.stringify(served)).toBe(true);
    expect(c.pid).not.toBe(firstPid);
    expect(c.starts).toBe(2);
    console.log(`worker back and serving ${Math.round(backMs)} ms after the kill`);
    expect(backMs).toBeLessThan(RESTART_BOUND_MS);
  });

  it('starts a new worker by itself after one that had served the model dies', async () => {
    const c = client();
    expect((await c.load()).ok).toBe(true);
    const firstPid = c.pid!;
    process.kill(firstPid, 'SIGKILL');
    const started = performance.now();
    while (!(c.loaded && c.pid !== firstPid) && performance.now() - started < RESTART_BOUND_MS) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(c.loaded).toBe(true);
    expect(c.pid).not.toBe(firstPid);
    expect(c.starts).toBe(2);
    const served = performance.now();
    expect((await c.caption(image)).ok).toBe(true);
    expect(performance.now() - served).toBeLessThan(2000); // the request itself waits for no start
  });
});
