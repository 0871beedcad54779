import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CAPTION_PROGRESS_MAX_CHARS, type CaptionProgress } from '../contract/assistant';
import { err, ok } from '../contract/result';
import type { CaptionRequestOptions, InferencePort } from '../inference/port';
import type { WorkerImage } from '../inference/protocol';
import { dispatch } from '../contract/dispatch';
import type { Handlers } from '../contract/index';
import { tinyRandomDir } from '../model/test-models';
// The test is its own composition root: it starts the real worker as a Node child, as host/ and cli/ do.
import { inferenceClients, type InferenceClient } from '../inference/worker-client';
import { workerStarter } from '../../workers/inference/worker-process';
import { EventBus } from '../transport/event-bus';
import { createAssistantHandlers, type AssistantService } from './assistant-handlers';
import type { CallContext } from './context';

const ctx: CallContext = { transport: 'direct', caller: 'test' };
const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-assistant-'));
const services: AssistantService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const service = (deps: Parameters<typeof createAssistantHandlers>[0]) => {
  const s = createAssistantHandlers({ createClient: inferenceClients({ start: workerStarter() }), ...deps });
  services.push(s);
  const call = (name: string, args: unknown) => dispatch(s.handlers as unknown as Handlers<CallContext>, name, args, ctx);
  return { ...s, call };
};

/** A CT image as the renderer sends it: the stored int16 values as they are. */
function ctPayload(width: number, height: number) {
  const stored = new Int16Array(width * height);
  for (let i = 0; i < stored.length; i++) stored[i] = ((i % width) * 37 + Math.floor(i / width) * 11) % 2048;
  return { kind: 'hu', width, height, slope: 1, intercept: -1024, dtype: 'int16', pixels: stored };
}

describe('assistant handlers over dispatch (tiny-random)', () => {
  it('reports status without starting the worker, then caption / ask / segment through it', async () => {
    const s = service({ modelDir: tinyRandomDir });
    const before = await s.call('assistant.status', {});
    expect(before).toMatchObject({ ok: true, value: { model: 'tiny-random', version: '0.3.0-tiny', loaded: false, problem: null, segmentPrompts: ['lung', 'left lung', 'right lung'], tasks: ['caption', 'vqa', 'segment', 'embed'] } });

    const image = ctPayload(50, 40);
    const caption = await s.call('assistant.caption', { image });
    expect(caption).toMatchObject({ ok: true, value: { model: 'tiny-random', text: expect.any(String), tokens: expect.any(Number), ms: expect.any(Number) } });

    const answer = await s.call('assistant.ask', { image, question: '  Is there a pneumothorax?  ' });
    expect(answer).toMatchObject({ ok: true, value: { model: 'tiny-random' } });

    const mask = await s.call('assistant.segment', { image, prompt: 'left lung' });
    expect(mask.ok).toBe(true);
    if (!mask.ok) return;
    const value = mask.value as { width: number; height: number; mask: Uint8Array };
    const bytes = value.mask;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([value.width, value.height, bytes.length]).toEqual([50, 40, 2000]);
    expect(bytes.every((b) => b === 0 || b === 1)).toBe(true);

    expect(await s.call('assistant.status', {})).toMatchObject({ ok: true, value: { loaded: true } });

    // Archive search embeds through the same worker (no second process).
    const shared = s.inference();
    if (!shared.ok) throw new Error(shared.error.message);
    // The factory above makes InferenceClients; pid and starts say which process served the call.
    const client = shared.value.client as InferenceClient;
    const pid = client.pid;
    const embedding = await shared.value.client.embedText('ct, chest.');
    expect(embedding).toMatchObject({ ok: true, value: { model: 'tiny-random', embedding: expect.any(Float32Array) } });
    expect(client.pid).toBe(pid);
    expect(client.starts).toBe(1);
  });

  it('a caption with a streamId is sent as it grows in assistant.captionProgress events; the answer has its probability', async () => {
    // The app's own bus: every payload is checked against the event contract on its way.
    const bus = new EventBus();
    const events: CaptionProgress[] = [];
    bus.on('assistant.captionProgress', (payload) => void events.push(payload));
    const s = service({ modelDir: tinyRandomDir, emit: bus.emit });
    const image = { ...ctPayload(48, 40), header: { modality: 'CT', imageOrientationPatient: [1, 0, 0, 0, 1, 0] } };
    const caption = await s.call('assistant.caption', { image, streamId: 'dock-1' });
    expect(caption.ok, JSON.stringify(caption)).toBe(true);
    if (!caption.ok) return;
    const value = caption.value as { text: string; tokens: number; probability: number };
    expect(value.probability).toBeGreaterThan(0);
    expect(value.probability).toBeLessThanOrEqual(1);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.streamId === 'dock-1')).toBe(true);
    expect(events.map((e) => e.delta).join('')).toBe(value.text);
    expect(events.at(-1)).toMatchObject({ text: value.text, tokens: value.tokens });

    // Without a streamId nothing is sent; a malformed one is refused by the contract.
    events.length = 0;
    expect(await s.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { text: value.text, probability: value.probability } });
    expect(events).toEqual([]);
    expect(await s.call('assistant.caption', { image, streamId: 'no spaces' })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
  });

  it('caption progress events stay within the contract\'s bound; a longer caption still answers whole', async () => {
    const bus = new EventBus();
    const events: CaptionProgress[] = [];
    bus.on('assistant.captionProgress', (payload) => void events.push(payload));
    // A model folder may allow long texts: a fake worker decodes 3000 characters a token.
    const long = 'x'.repeat(3000);
    const steps = [long, long.repeat(2), long.repeat(3)];
    const fakeClient = (modelDir: string): InferencePort => {
      const refuse = async () => err('unsupported', 'not in this test');
      const caption = async (_image: WorkerImage, options?: CaptionRequestOptions) => {
        steps.forEach((text, i) => options?.onToken?.({ text, delta: long, tokens: i + 1 }));
        return ok({ model: 'fake', text: steps[2], tokenIds: [1, 2, 3], forcedTokens: 0, probability: 0.5, ms: 1 });
      };
      const port = { modelDir, loaded: true, caption, load: refuse, answer: refuse, segment: refuse, embedImage: refuse, embedText: refuse, embedTexts: refuse, dispose: async () => undefined };
      return port;
    };
    const s = service({ modelDir: tinyRandomDir, emit: bus.emit, createClient: fakeClient });
    const caption = await s.call('assistant.caption', { image: ctPayload(8, 8), streamId: 'dock-long' });
    expect(caption).toMatchObject({ ok: true, value: { text: steps[2], probability: 0.5 } });
    expect(events.map((e) => e.text.length)).toEqual([3000]);
    expect(events.every((e) => e.text.length <= CAPTION_PROGRESS_MAX_CHARS)).toBe(true);
  });

  it('0.3 answers: presence on masks, the answer probability, refusals as bad_input naming the reason', async () => {
    const s = service({ modelDir: tinyRandomDir });
    const header = { modality: 'CT', imageOrientationPatient: [1, 0, 0, 0, 1, 0], bodyPartExamined: 'CHEST' };
    const image = { ...ctPayload(64, 32), header };
    const mask = await s.call('assistant.segment', { image, prompt: 'Lung' });
    expect(mask).toMatchObject({ ok: true, value: { present: expect.any(Boolean), presenceProbability: expect.any(Number) } });

    const answer = await s.call('assistant.ask', { image, question: 'is there a pneumothorax?' });
    expect(answer).toMatchObject({ ok: true, value: { probability: expect.any(Number) } });

    const caption = await s.call('assistant.caption', { image });
    expect(caption).toMatchObject({ ok: true, value: { text: expect.stringMatching(/^ct, axial,/) } });

    expect(await s.call('assistant.segment', { image, prompt: 'banana' })).toEqual({
      ok: false,
      error: { code: 'bad_input', message: 'tiny-random: unknown prompt "banana"; this model segments: lung, left lung, right lung' },
    });
    expect(await s.call('assistant.ask', { image, question: Array(41).fill('lung').join(' ') })).toMatchObject({
      ok: false,
      error: { code: 'bad_input', message: 'tiny-random: the question is too long: 41 words; the model reads at most 40' },
    });
    expect(await s.call('assistant.ask', { image, question: 'xyzzy plugh?' })).toMatchObject({
      ok: false,
      error: { code: 'bad_input', message: expect.stringMatching(/could not read the question: 2 of 2 words/) },
    });
  });

  it('takes the header strictly: known tags only, bounded strings, six finite direction cosines', async () => {
    const s = service({ modelDir: tinyRandomDir });
    const call = (header: unknown) => s.call('assistant.caption', { image: { ...ctPayload(2, 2), header } });
    expect(await call({ modality: 'CT', patientName: 'X' })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(await call({ studyDescription: 'x'.repeat(65) })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(await call({ imageOrientationPatient: [1, 0, 0, 0, 1] })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(await call({ imageOrientationPatient: [1, 0, 0, 0, 1, Number.NaN] })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
  });

  it('rejects pixels whose count or array type does not match the declared size and dtype', async () => {
    const s = service({ modelDir: tinyRandomDir });
    const image = { ...ctPayload(50, 40), width: 51 };
    const result = await s.call('assistant.caption', { image });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/image\.pixels: holds 2000 values but a 51×40 hu image has 2040/) } });
    const wrongArray = await s.call('assistant.caption', { image: { ...ctPayload(2, 2), pixels: new Uint16Array(4) } });
    expect(wrongArray).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/image\.pixels: is a Uint16Array but dtype int16 needs a Int16Array/) } });
    const base64 = await s.call('assistant.caption', { image: { ...ctPayload(2, 2), pixels: Buffer.from(new Int16Array(4).buffer).toString('base64') } });
    expect(base64).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/image\.pixels: is not a Int16Array or Uint16Array or Uint8Array or Float32Array/) } });
    const wrongDtype = await s.call('assistant.caption', { image: { ...ctPayload(2, 2), kind: 'gray8', slope: undefined, intercept: undefined } });
    expect(wrongDtype).toMatchObject({ ok: false, error: { code: 'invalid_arguments', message: expect.stringMatching(/gray8 image needs dtype uint8/) } });
    const tooBig = await s.call('assistant.caption', { image: { ...ctPayload(2, 2), width: 5000 } });
    expect(tooBig).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
  });

  it('names the broken file in status and in calls, without starting a worker', async () => {
    const dir = path.join(scratch, 'broken');
    cpSync(tinyRandomDir, dir, { recursive: true });
    writeFileSync(path.join(dir, 'tokenizer.json'), '{"type": "word-level"');
    const s = service({ modelDir: dir });
    expect(await s.call('assistant.status', {})).toMatchObject({ ok: true, value: { model: 'broken', problem: expect.stringMatching(/broken: tokenizer\.json: is not valid JSON/) } });
    expect(await s.call('assistant.caption', { image: ctPayload(4, 4) })).toMatchObject({
      ok: false,
      error: { code: 'model_error', message: expect.stringMatching(/^assistant\.caption: broken: tokenizer\.json/) },
    });
  });

  it('says so when no model folder is installed', async () => {
    const s = service({ modelsDir: path.join(scratch, 'empty-models') });
    expect(await s.call('assistant.status', {})).toMatchObject({ ok: true, value: { model: null, problem: expect.stringMatching(/no model folder found/) } });
    expect(await s.call('assistant.segment', { image: ctPayload(4, 4), prompt: 'lung' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(s.inference()).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('assistant handlers without an inference worker', () => {
  it('answer the model calls unsupported when the composition root gave no client factory', async () => {
    const s = createAssistantHandlers({ modelDir: tinyRandomDir });
    services.push(s);
    const call = (name: string, args: unknown) => dispatch(s.handlers as unknown as Handlers<CallContext>, name, args, ctx);
    expect(await call('assistant.caption', { image: ctPayload(4, 4) })).toMatchObject({
      ok: false,
      error: { code: 'unsupported', message: expect.stringMatching(/tiny-random: this process has no inference worker/) },
    });
    expect(await call('assistant.status', {})).toMatchObject({ ok: true, value: { model: 'tiny-random', loaded: false } });
  });
});
