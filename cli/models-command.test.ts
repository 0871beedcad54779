import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModel, loadModelFolder } from '../core/model/config';
import { modelsDir, tinyRandomDir } from '../core/model/test-models';
import { vesalius } from './test-run';

let dir: string;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
const SLOW = 240_000;

interface ModelsJson {
  models: Array<{
    name: string;
    dir: string;
    source: 'bundled' | 'user';
    default: boolean;
    testOnly: boolean;
    version: string | null;
    tasks: string[];
    prompts: string[];
    features: { headerFusion: boolean; presence: boolean; answerProbability: boolean; keepsAspect: boolean };
    problem: string | null;
  }>;
  userDir: string;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-models-cli-'));
  const userModels = path.join(dir, 'home', 'models');
  await mkdir(userModels, { recursive: true });
  await cp(tinyRandomDir, path.join(userModels, 'my-model'), { recursive: true });
  await cp(tinyRandomDir, path.join(userModels, 'half-copied'), { recursive: true });
  await rm(path.join(userModels, 'half-copied', 'text_decoder.onnx'));
  await mkdir(path.join(userModels, 'not-a-model'));
  await writeFile(path.join(userModels, 'not-a-model', 'config.json'), '{"model_type": "something-else"}');
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vesalius models list', () => {
  it("lists the bundled models and the user's folders with version, tasks, prompts, 0.3 features and problems", async () => {
    const run = await vesalius(['models', 'list', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as ModelsJson;
    expect(doc.userDir).toBe(path.join(dir, 'home', 'models'));
    const bundledTiny = doc.models.find((m) => m.source === 'bundled' && m.name === 'tiny-random');
    expect(bundledTiny).toMatchObject({
      dir: tinyRandomDir,
      version: tiny.config.version,
      prompts: tiny.config.segment_prompts,
      problem: null,
      // A test fixture (config.json test_only): the CLI lists it, marked; the app's picker leaves it out.
      testOnly: true,
      features: { headerFusion: tiny.config.header_fusion !== undefined, presence: tiny.config.presence_threshold !== undefined },
    });
    expect(doc.models.find((m) => m.default)).toMatchObject({ testOnly: false });
    expect(bundledTiny?.tasks).toEqual(expect.arrayContaining(['caption', 'vqa', 'segment']));
    // Exactly one default: the model the assistant commands use without --model.
    expect(doc.models.filter((m) => m.default).map((m) => m.dir)).toEqual([defaultModel(modelsDir)?.dir]);

    const user = doc.models.filter((m) => m.source === 'user');
    expect(user.map((m) => m.name)).toEqual(['half-copied', 'my-model', 'not-a-model']);
    expect(user[1]).toMatchObject({ id: 'user:my-model', version: tiny.config.version, problem: null });
    expect(user[0].problem).toMatch(/half-copied: text_decoder\.onnx: file is missing/);
    expect(user[2].problem).toMatch(/not-a-model: config\.json: model_type is "something-else"; this app runs "vesalius-vlm" model folders/);
  }, SLOW);

  it('prints the same as text, and a user model can be named with --model', async () => {
    const run = await vesalius(['models', 'list'], env);
    expect(run.code).toBe(0);
    // my-model is a copy of tiny-random, test_only flag and all.
    expect(run.stdout).toMatch(new RegExp(`^my-model ${tiny.config.version.replace(/\./g, '\\.')} \\(user, test model\\)`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^tiny-random ${tiny.config.version.replace(/\./g, '\\.')} \\(bundled, test model\\)`, 'm'));
    expect(run.stdout).toMatch(/^ {2}problem: half-copied: text_decoder\.onnx: file is missing/m);
    expect(run.stdout).toMatch(new RegExp(`^ {2}segments: ${tiny.config.segment_prompts.join(', ')}$`, 'm'));

    const named = await vesalius(['segment', path.join(dir, 'nothing-here'), '--prompt', 'kidney', '--out', path.join(dir, 'o'), '--model', 'my-model'], env);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/unknown prompt "kidney"/);
    // The registry's id names it too (a user folder may share a bundled one's name).
    const byId = await vesalius(['segment', path.join(dir, 'nothing-here'), '--prompt', 'kidney', '--out', path.join(dir, 'o'), '--model', 'user:my-model'], env);
    expect(byId.code).toBe(2);
    expect(byId.stderr).toMatch(/unknown prompt "kidney"/);
    const broken = await vesalius(['caption', path.join(dir, 'nothing-here'), '--model', 'half-copied'], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/half-copied: text_decoder\.onnx: file is missing/);

    const usage = await vesalius(['models'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give a subcommand: 'list'/);
  }, SLOW);

  it('--check loads the graphs in the worker: a graph onnxruntime cannot parse becomes the folder\'s problem', async () => {
    const home = path.join(dir, 'check-home');
    await cp(tinyRandomDir, path.join(home, 'models', 'bad-graph'), { recursive: true });
    await writeFile(path.join(home, 'models', 'bad-graph', 'mask_decoder.onnx'), 'not an onnx graph');
    const run = await vesalius(['models', 'list', '--check', '--json'], { VESALIUS_HOME: home });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as ModelsJson;
    expect(doc.models.find((m) => m.name === 'bad-graph')?.problem).toMatch(/^bad-graph: mask_decoder\.onnx: onnxruntime cannot load it/);
    expect(doc.models.find((m) => m.source === 'bundled' && m.name === 'tiny-random')?.problem).toBeNull();
  }, SLOW);
});
