import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTINGS_FILE } from '../config/settings';
import { dispatch } from '../contract/dispatch';
import type { Handlers } from '../contract/index';
import type { ModelList } from '../contract/models';
import { err, ok } from '../contract/result';
import type { InferencePort } from '../inference/port';
import { userModelsDirOf } from '../model/registry';
import { copyTinyAsListedModel, tinyRandomDir } from '../model/test-models';
import { createAssistantHandlers } from './assistant-handlers';
import type { CallContext } from './context';

const ctx: CallContext = { transport: 'direct', caller: 'test' };
const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-model-choice-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A model the app lists (tiny-random's own folder is a test fixture, which it leaves out). */
const copyTiny = copyTinyAsListedModel;

/** A bundled models folder with one model (so the default is known) and a data home with two user folders, one broken. */
function setUp(name: string) {
  const bundledDir = path.join(scratch, name, 'bundled');
  const home = path.join(scratch, name, 'home');
  const bundledTiny = copyTiny(path.join(bundledDir, 'shipped-tiny'));
  const myTiny = copyTiny(path.join(userModelsDirOf(home), 'my-tiny'));
  const broken = copyTiny(path.join(userModelsDirOf(home), 'broken'));
  unlinkSync(path.join(broken, 'mask_decoder.onnx'));
  return { bundledDir, home, bundledTiny, myTiny, broken };
}

/** An inference client that answers captions with its folder's name and records whether it was disposed. */
interface FakeClient extends InferencePort {
  disposed: boolean;
  captions: number;
}
function fakeClients() {
  const made: FakeClient[] = [];
  const factory = (modelDir: string): FakeClient => {
    const model = path.basename(modelDir);
    const unsupported = async () => err('unsupported', 'not in this fake');
    const client: FakeClient = {
      modelDir,
      loaded: false,
      disposed: false,
      captions: 0,
      load: unsupported,
      answer: unsupported,
      segment: unsupported,
      embedImage: unsupported,
      embedText: unsupported,
      embedTexts: unsupported,
      caption: async () => {
        client.captions++;
        return ok({ model, text: `a caption by ${model}`, tokenIds: [1, 2], forcedTokens: 0, probability: 0.5, ms: 1 });
      },
      dispose: async () => {
        client.disposed = true;
      },
    };
    made.push(client);
    return client;
  };
  return { made, factory };
}

const image = { kind: 'gray8', width: 2, height: 2, dtype: 'uint8', pixels: new Uint8Array(4) };

function assistant(deps: Parameters<typeof createAssistantHandlers>[0]) {
  const clients = fakeClients();
  const service = createAssistantHandlers({ createClient: clients.factory, ...deps });
  const call = (name: string, args: unknown) => dispatch(service.handlers as unknown as Handlers<CallContext>, name, args, ctx);
  const list = async (): Promise<ModelList> => {
    const result = await call('assistant.listModels', {});
    if (!result.ok) throw new Error(result.error.message);
    return result.value as ModelList;
  };
  return { service, call, list, clients: clients.made };
}

describe('assistant.listModels / assistant.selectModel', () => {
  it('lists bundled and user models with the default selected; refuses an unknown id and a broken one, naming the file', async () => {
    const { bundledDir, home } = setUp('refusals');
    const a = assistant({ modelsDir: bundledDir, home });
    const listed = await a.list();
    expect(listed.models.map((m) => [m.id, m.source, m.problem === null])).toEqual([
      ['bundled:shipped-tiny', 'bundled', true],
      ['user:broken', 'user', false],
      ['user:my-tiny', 'user', true],
    ]);
    expect(listed.models[1].problem).toMatch(/^broken: mask_decoder\.onnx: file is missing/);
    expect(listed).toMatchObject({ selectedId: 'bundled:shipped-tiny', notice: null });

    expect(await a.call('assistant.selectModel', { id: 'user:nope' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'assistant.selectModel: there is no model "user:nope" (models: bundled:shipped-tiny, user:broken, user:my-tiny)' },
    });
    expect(await a.call('assistant.selectModel', { id: 'user:broken' })).toMatchObject({
      ok: false,
      error: { code: 'bad_input', message: expect.stringMatching(/^assistant\.selectModel: broken 0\.3\.0-tiny \(user\) cannot be used: broken: mask_decoder\.onnx: file is missing/) },
    });
    // A path is not an id: only listed entries can be chosen.
    expect(await a.call('assistant.selectModel', { id: `folder:${tinyRandomDir}` })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await a.call('assistant.selectModel', {})).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    expect(await a.call('assistant.selectModel', { id: 'user:my-tiny', dir: '/tmp' })).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    // Nothing was chosen or kept.
    expect((await a.list()).selectedId).toBe('bundled:shipped-tiny');
    expect(existsSync(path.join(home, SETTINGS_FILE))).toBe(false);
  });

  it('switches: the old client is disposed at once, the next call runs the new folder, and a restart keeps the choice', async () => {
    const { bundledDir, home, bundledTiny, myTiny } = setUp('switch');
    let switches = 0;
    const a = assistant({ modelsDir: bundledDir, home, onModelSwitched: () => switches++ });
    expect(await a.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'shipped-tiny' } });
    expect(a.clients.map((c) => [c.modelDir, c.disposed])).toEqual([[bundledTiny, false]]);

    const switched = await a.call('assistant.selectModel', { id: 'user:my-tiny' });
    expect(switched).toMatchObject({ ok: true, value: { selectedId: 'user:my-tiny', notice: null } });
    expect(a.clients[0].disposed).toBe(true);
    expect(switches).toBe(1);
    expect(await a.call('assistant.status', {})).toMatchObject({ ok: true, value: { model: 'my-tiny', version: '0.3.0-tiny', problem: null, loaded: false } });
    expect(await a.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'my-tiny', text: 'a caption by my-tiny' } });
    expect(a.clients.map((c) => [c.modelDir, c.disposed, c.captions])).toEqual([
      [bundledTiny, true, 1],
      [myTiny, false, 1],
    ]);
    // Choosing the model in use again keeps its worker.
    expect(await a.call('assistant.selectModel', { id: 'user:my-tiny' })).toMatchObject({ ok: true });
    expect(a.clients[1].disposed).toBe(false);
    expect(switches).toBe(1);
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({ assistantModel: 'user:my-tiny' });
    await a.service.dispose();
    expect(a.clients[1].disposed).toBe(true);

    // A restart: new handlers on the same home (nothing kept in memory) use the kept choice.
    const b = assistant({ modelsDir: bundledDir, home });
    expect(await b.list()).toMatchObject({ selectedId: 'user:my-tiny', notice: null });
    expect(await b.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'my-tiny' } });
    expect(b.service.inference()).toMatchObject({ ok: true, value: { folder: { dir: myTiny } } });
  });

  it('falls back to the default, and says so, when the kept model disappeared or broke', async () => {
    const { bundledDir, home, myTiny } = setUp('fallback');
    expect(await assistant({ modelsDir: bundledDir, home }).call('assistant.selectModel', { id: 'user:my-tiny' })).toMatchObject({ ok: true });

    unlinkSync(path.join(myTiny, 'tokenizer.json'));
    const broke = assistant({ modelsDir: bundledDir, home });
    expect(await broke.list()).toMatchObject({
      selectedId: 'bundled:shipped-tiny',
      notice: expect.stringMatching(/^The model chosen before, user:my-tiny, cannot be used now \(my-tiny: tokenizer\.json: file is missing.*\); using shipped-tiny 0\.3\.0-tiny \(bundled\) instead\.$/),
    });
    expect(await broke.call('assistant.status', {})).toMatchObject({ ok: true, value: { model: 'shipped-tiny', problem: null } });

    rmSync(myTiny, { recursive: true });
    const gone = assistant({ modelsDir: bundledDir, home });
    expect(await gone.list()).toMatchObject({
      selectedId: 'bundled:shipped-tiny',
      notice: 'The model chosen before, user:my-tiny, is no longer there; using shipped-tiny 0.3.0-tiny (bundled) instead.',
    });
    expect(await gone.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'shipped-tiny' } });
    // The choice stays kept: the folder may come back (a drive mounted again).
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({ assistantModel: 'user:my-tiny' });
  });

  it('says what is wrong with a settings file it cannot read, and replaces it on the next choice', async () => {
    const { bundledDir, home } = setUp('settings');
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, SETTINGS_FILE), '{"assistantModel": ');
    const a = assistant({ modelsDir: bundledDir, home });
    expect(await a.list()).toMatchObject({ selectedId: 'bundled:shipped-tiny', notice: expect.stringMatching(/settings\.json: is not valid JSON/) });
    expect(await a.call('assistant.selectModel', { id: 'user:my-tiny' })).toMatchObject({ ok: true, value: { selectedId: 'user:my-tiny', notice: null } });
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({ assistantModel: 'user:my-tiny' });

    // A folder path written into the file by hand is not a registry model: not read, the default is used.
    writeFileSync(path.join(home, SETTINGS_FILE), JSON.stringify({ assistantModel: `folder:${tinyRandomDir}` }));
    expect(await assistant({ modelsDir: bundledDir, home }).list()).toMatchObject({ selectedId: 'bundled:shipped-tiny', notice: null });
  });

  it('lists the folder the process was started with (selected, not kept), and one can go back to it', async () => {
    const { bundledDir, home } = setUp('start-folder');
    const elsewhere = copyTiny(path.join(scratch, 'start-folder', 'elsewhere', 'given'));
    const a = assistant({ modelsDir: bundledDir, home, modelDir: elsewhere });
    const listed = await a.list();
    expect(listed.selectedId).toBe(`folder:${elsewhere}`);
    expect(listed.models.at(-1)).toMatchObject({ id: `folder:${elsewhere}`, source: 'folder', name: 'given', problem: null });
    expect(await a.call('assistant.selectModel', { id: 'user:my-tiny' })).toMatchObject({ ok: true, value: { selectedId: 'user:my-tiny' } });
    expect((await a.list()).models.map((m) => m.id)).toContain(`folder:${elsewhere}`);
    expect(await a.call('assistant.selectModel', { id: `folder:${elsewhere}` })).toMatchObject({ ok: true, value: { selectedId: `folder:${elsewhere}` } });
    expect(await a.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'given' } });
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({});
  });

  it('leaves test fixtures (config.json test_only) out of the list, bundled or the user\'s, unless started with one', async () => {
    const { bundledDir, home } = setUp('test-only');
    const copyFixture = (dir: string) => cpSync(tinyRandomDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) });
    copyFixture(path.join(bundledDir, 'fixture'));
    copyFixture(path.join(userModelsDirOf(home), 'user-fixture'));
    const a = assistant({ modelsDir: bundledDir, home });
    const listed = await a.list();
    expect(listed.models.map((m) => m.id)).toEqual(['bundled:shipped-tiny', 'user:broken', 'user:my-tiny']);
    expect(listed.models.every((m) => !m.testOnly)).toBe(true);
    expect(await a.call('assistant.selectModel', { id: 'user:user-fixture' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await a.call('assistant.selectModel', { id: 'bundled:fixture' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Kept from before (by hand, or an older version): not used.
    writeFileSync(path.join(home, SETTINGS_FILE), JSON.stringify({ assistantModel: 'user:user-fixture' }));
    expect(await assistant({ modelsDir: bundledDir, home }).list()).toMatchObject({ selectedId: 'bundled:shipped-tiny' });

    // Started with tiny-random (the e2e tests' host): listed as the given folder, marked, in use; picking it keeps nothing.
    writeFileSync(path.join(home, SETTINGS_FILE), '{}');
    const started = assistant({ modelsDir: bundledDir, home, modelDir: tinyRandomDir });
    const withStart = await started.list();
    expect(withStart.selectedId).toBe(`folder:${tinyRandomDir}`);
    expect(withStart.models.filter((m) => m.testOnly).map((m) => [m.id, m.source, m.name])).toEqual([[`folder:${tinyRandomDir}`, 'folder', 'tiny-random']]);
    expect(await started.call('assistant.selectModel', { id: `folder:${tinyRandomDir}` })).toMatchObject({ ok: true, value: { selectedId: `folder:${tinyRandomDir}` } });
    expect(await started.call('assistant.caption', { image })).toMatchObject({ ok: true, value: { model: 'tiny-random' } });
    expect(JSON.parse(readFileSync(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual({});
  });

  it('without a data home lists the bundled models only and keeps nothing', async () => {
    const { bundledDir } = setUp('no-home');
    const a = assistant({ modelsDir: bundledDir });
    expect((await a.list()).models.map((m) => m.id)).toEqual(['bundled:shipped-tiny']);
    expect(await a.call('assistant.selectModel', { id: 'bundled:shipped-tiny' })).toMatchObject({ ok: true });
  });
});
