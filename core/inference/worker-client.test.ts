import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tinyRandomDir } from '../model/test-models';
import { workerStarter } from '../../workers/inference/worker-process';
import { InferenceClient } from './worker-client';
import type { WorkerImage } from './protocol';

/** A synthetic CT slice: air outside a body ellipse, two darker lungs inside; stored = HU + 1024. */
function syntheticCt(width: number, height: number): WorkerImage {
  const data = new Int16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x - width / 2) / (0.45 * width);
      const v = (y - height / 2) / (0.4 * height);
      const inBody = u * u + v * v < 1;
      const inLung = Math.abs(u) > 0.15 && Math.abs(u) < 0.7 && Math.abs(v) < 0.6;
      const hu = !inBody ? -1000 : inLung ? -850 : 40;
      data[y * width + x] = hu + 1024;
    }
  }
  return { kind: 'hu', width, height, data, slope: 1, intercept: -1024 };
}

const clients: InferenceClient[] = [];
const newClient = (modelDir = tinyRandomDir, requestTimeoutMs = 60_000) => {
  const client = new InferenceClient({ modelDir, requestTimeoutMs, start: workerStarter() });
  clients.push(client);
  return client;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('InferenceClient + worker process (tiny-random)', () => {
  it('captions, answers and segments a synthetic image in a separate process', async () => {
    const client = newClient();
    const image = syntheticCt(120, 100);
    const caption = await client.caption(image);
    expect(caption.ok, JSON.stringify(caption)).toBe(true);
    if (!caption.ok) return;
    expect(caption.value.model).toBe('tiny-random');
    expect(typeof caption.value.text).toBe('string');
    expect(client.pid).not.toBe(process.pid);
    expect(client.loaded).toBe(true);

    const answer = await client.answer(image, 'Is there a pneumothorax?');
    expect(answer.ok && answer.value.tokenIds.length <= 8).toBe(true);

    const mask = await client.segment(image, 'left lung');
    expect(mask.ok).toBe(true);
    if (!mask.ok) return;
    expect([mask.value.width, mask.value.height]).toEqual([120, 100]);
    expect(mask.value.mask).toBeInstanceOf(Uint8Array);
    expect(mask.value.mask.length).toBe(120 * 100);
    expect(mask.value.mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(client.starts).toBe(1);
  });

  it('embeds an image and texts into one space through the worker (unit Float32Array vectors)', async () => {
    const client = newClient();
    const load = await client.load();
    expect(load).toMatchObject({ ok: true, value: { model: 'tiny-random', tasks: ['caption', 'vqa', 'segment', 'embed'] } });
    const image = await client.embedImage(syntheticCt(120, 100));
    expect(image.ok, JSON.stringify(image)).toBe(true);
    const lung = await client.embedText('ct, axial, chest. lungs.');
    const head = await client.embedText('mri, axial, head.');
    if (!image.ok || !lung.ok || !head.ok) throw new Error('embedding failed');
    for (const { value } of [image, lung, head]) {
      expect(value.embedding).toBeInstanceOf(Float32Array);
      expect(value.embedding).toHaveLength(16);
      expect(Math.hypot(...value.embedding)).toBeCloseTo(1, 5);
      expect(value).toMatchObject({ model: 'tiny-random', version: expect.any(String) });
    }
    // Different texts land on different vectors (the graph reads its input).
    expect(Math.max(...lung.value.embedding.map((v, i) => Math.abs(v - head.value.embedding[i])))).toBeGreaterThan(1e-3);
    expect(await client.embedText('   ')).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no words to embed/) } });
    expect(client.starts).toBe(1);
  });

  it('embedTexts: N texts in one request give the vectors of N embedText calls (within 1e-6), in order', async () => {
    const client = newClient();
    const texts = ['ct, axial, chest. lungs.', 'mri, axial, head.', 'x-ray of the chest.', 'ct, abdomen.', 'ct, chest.'];
    const singles: Float32Array[] = [];
    for (const text of texts) {
      const one = await client.embedText(text);
      if (!one.ok) throw new Error(one.error.message);
      singles.push(one.value.embedding);
    }
    const starts = client.starts;
    const batch = await client.embedTexts(texts);
    if (!batch.ok) throw new Error(batch.error.message);
    expect(batch.value).toMatchObject({ model: 'tiny-random', version: expect.any(String) });
    expect(batch.value.embeddings).toHaveLength(texts.length);
    batch.value.embeddings.forEach((vector, i) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(singles[i].length);
      expect(Math.max(...vector.map((v, j) => Math.abs(v - singles[i][j]))), texts[i]).toBeLessThanOrEqual(1e-6);
    });
    // Not all the same vector (the order matters): the 1st and 2nd texts differ.
    expect(Math.max(...batch.value.embeddings[0].map((v, j) => Math.abs(v - batch.value.embeddings[1][j])))).toBeGreaterThan(1e-3);
    expect(client.starts).toBe(starts);
    // The worker refuses an empty list and an empty text, as embedText refuses one.
    expect(await client.embedTexts([])).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/invalid request: texts/) } });
    expect(await client.embedTexts(['ct, chest.', ''])).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/texts\.1/) } });
  });

  it('answers an invalid request with an error value from the worker', async () => {
    const client = newClient();
    const result = await client.caption({ kind: 'gray8', width: 4, height: 4, data: new Uint8Array(3) });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/tiny-random: invalid request: image/) } });
  });

  it('fails a request in flight when the worker dies, and restarts it for the next one', async () => {
    const client = newClient();
    const image = syntheticCt(64, 64);
    expect((await client.load()).ok).toBe(true);
    const firstPid = client.pid!;
    const inFlight = client.caption(image);
    process.kill(firstPid, 'SIGKILL');
    const failed = await inFlight;
    expect(failed).toMatchObject({ ok: false, error: { code: 'model_error', message: expect.stringMatching(/tiny-random: caption: the inference worker was killed by SIGKILL/) } });
    expect(client.loaded).toBe(false);

    const next = await client.caption(image);
    expect(next.ok, JSON.stringify(next)).toBe(true);
    expect(client.pid).not.toBe(firstPid);
    expect(client.starts).toBe(2);
  });

  it('times a request out with a clear error, stops the worker, and serves the next request', async () => {
    const client = newClient();
    // The first request must start a process and load the model: far longer than 1 ms.
    const timedOut = await client.caption(syntheticCt(64, 64), { timeoutMs: 1 });
    expect(timedOut).toMatchObject({ ok: false, error: { code: 'model_error', message: expect.stringMatching(/tiny-random: caption timed out after 1 ms/) } });
    expect(client.pid).toBeUndefined();
    const next = await client.answer(syntheticCt(64, 64), 'where is the mass?');
    expect(next.ok, JSON.stringify(next)).toBe(true);
    expect(client.starts).toBe(2);
  });

  it('kills the worker on dispose; later requests resolve to an error at once', async () => {
    const client = newClient();
    expect((await client.load()).ok).toBe(true);
    const pid = client.pid!;
    await client.dispose();
    expect(isAlive(pid)).toBe(false);
    expect(await client.load()).toMatchObject({ ok: false, error: { message: expect.stringMatching(/disposed/) } });
  });
});

describe('InferenceClient with a broken model folder', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-client-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('answers embed on a folder without the embedding graphs with code unsupported', async () => {
    const dir = path.join(scratch, 'no-embed');
    cpSync(tinyRandomDir, dir, { recursive: true });
    const configFile = path.join(dir, 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { files: Record<string, string> };
    delete config.files.image_embed;
    delete config.files.text_embed;
    writeFileSync(configFile, JSON.stringify(config));
    const client = newClient(dir);
    expect(await client.load()).toMatchObject({ ok: true, value: { tasks: ['caption', 'vqa', 'segment'] } });
    expect(await client.embedText('ct, chest.')).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/^no-embed: embed: this model folder has no image_embed/) } });
  });

  it('reports the file named by the worker, and recovers once the folder is fixed', async () => {
    const dir = path.join(scratch, 'broken-model');
    cpSync(tinyRandomDir, dir, { recursive: true });
    writeFileSync(path.join(dir, 'image_encoder.onnx'), 'not an onnx model');
    const client = newClient(dir);
    const failed = await client.caption(syntheticCt(32, 32));
    expect(failed).toMatchObject({ ok: false, error: { code: 'model_error', message: expect.stringMatching(/^broken-model: image_encoder\.onnx: onnxruntime cannot load it/) } });

    cpSync(path.join(tinyRandomDir, 'image_encoder.onnx'), path.join(dir, 'image_encoder.onnx'));
    const fixed = await client.caption(syntheticCt(32, 32));
    expect(fixed.ok, JSON.stringify(fixed)).toBe(true);
    expect(client.starts).toBe(1);
  });

  it('reports a worker script that does not exist instead of hanging', async () => {
    const client = new InferenceClient({ modelDir: tinyRandomDir, start: workerStarter(undefined, { script: path.join(scratch, 'missing-worker.js'), execArgv: [] }) });
    clients.push(client);
    expect(await client.caption(syntheticCt(8, 8))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/worker script not found/) } });
  });
});
