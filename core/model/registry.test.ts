import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverModels } from './config';
import { findModel, inspectModelFolder, layoutOf, listModels, openModelFolder, userModelsDirOf } from './registry';
import { copyTinyAsListedModel, modelsDir, tinyRandomDir } from './test-models';

const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-registry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let homes = 0;
/** A fresh data home with an empty models folder. */
const newHome = (): { home: string; userDir: string } => {
  const home = path.join(scratch, `home-${homes++}`);
  const userDir = userModelsDirOf(home);
  mkdirSync(userDir, { recursive: true });
  return { home, userDir };
};
/** tiny-random copied into the user's models folder as `name` (without its parity data), as a model the app lists. */
const copyTiny = (userDir: string, name: string): string => copyTinyAsListedModel(path.join(userDir, name));
const editConfig = (dir: string, change: Record<string, unknown>) => {
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...change }));
};
const problemOf = (dir: string): string | null => inspectModelFolder('user', dir).entry.problem;

describe('model registry', () => {
  it('lists the bundled folders discoverModels finds, in its order, with stable ids and no problems; test fixtures only when asked', () => {
    const entries = listModels({ bundledDir: modelsDir, userDir: null });
    expect(entries.map((e) => e.dir)).toEqual(discoverModels(modelsDir).filter((m) => !m.testOnly).map((m) => m.dir));
    expect(entries.map((e) => e.name)).not.toContain('training');
    // tiny-random's config.json says test_only: the app's list leaves it out, the CLI's (includeTestModels) has it.
    expect(entries.map((e) => e.name)).not.toContain('tiny-random');
    expect(entries.every((e) => !e.testOnly)).toBe(true);
    expect(findModel({ bundledDir: modelsDir, userDir: null }, 'bundled:tiny-random')).toBeNull();
    const withTests = listModels({ bundledDir: modelsDir, userDir: null, includeTestModels: true });
    expect(withTests.map((e) => e.dir)).toEqual(discoverModels(modelsDir).map((m) => m.dir));
    const tiny = withTests.find((e) => e.name === 'tiny-random');
    expect(tiny).toEqual({
      id: 'bundled:tiny-random',
      name: 'tiny-random',
      version: '0.3.0-tiny',
      source: 'bundled',
      dir: tinyRandomDir,
      tasks: ['caption', 'vqa', 'segment', 'embed'],
      segmentPrompts: ['lung', 'left lung', 'right lung'],
      problem: null,
      testOnly: true,
    });
    for (const entry of withTests) expect(entry.problem, entry.id).toBeNull();
  });

  it('lists every folder of the user models folder after the bundled ones; tiny-random copied there works', () => {
    const { userDir } = newHome();
    const dir = copyTiny(userDir, 'my-tiny');
    mkdirSync(path.join(userDir, '.cache'));
    writeFileSync(path.join(userDir, 'notes.txt'), 'not a model');
    const entries = listModels({ bundledDir: modelsDir, userDir });
    const user = entries.filter((e) => e.source === 'user');
    expect(user).toEqual([
      { id: 'user:my-tiny', name: 'my-tiny', version: '0.3.0-tiny', source: 'user', dir, tasks: ['caption', 'vqa', 'segment', 'embed'], segmentPrompts: ['lung', 'left lung', 'right lung'], problem: null, testOnly: false },
    ]);
    expect(entries.at(-1)).toEqual(user[0]);
    expect(openModelFolder(dir).name).toBe('my-tiny');
    expect(findModel({ bundledDir: modelsDir, userDir }, 'user:my-tiny')?.folder?.dir).toBe(dir);
  });

  it('keeps a user folder named like a bundled one apart: both listed, different ids and folders', () => {
    const { userDir } = newHome();
    const dir = copyTiny(userDir, 'tiny-random');
    const dirs = { bundledDir: modelsDir, userDir, includeTestModels: true };
    const named = listModels(dirs).filter((e) => e.name === 'tiny-random');
    expect(named.map((e) => [e.id, e.source, e.dir])).toEqual([
      ['bundled:tiny-random', 'bundled', tinyRandomDir],
      ['user:tiny-random', 'user', dir],
    ]);
    expect(findModel(dirs, 'user:tiny-random')?.entry.dir).toBe(dir);
    expect(findModel(dirs, 'bundled:tiny-random')?.entry.dir).toBe(tinyRandomDir);
  });

  it('names the file and the reason for each kind of broken folder', () => {
    const { userDir } = newHome();
    const noConfig = copyTiny(userDir, 'no-config');
    unlinkSync(path.join(noConfig, 'config.json'));
    expect(problemOf(noConfig)).toMatch(/^no-config: config\.json: file is missing/);

    const corrupt = copyTiny(userDir, 'corrupt');
    writeFileSync(path.join(corrupt, 'config.json'), '{"model_type": "vesalius-vlm",');
    expect(problemOf(corrupt)).toMatch(/^corrupt: config\.json: is not valid JSON/);

    const otherType = copyTiny(userDir, 'a-bert');
    editConfig(otherType, { model_type: 'bert' });
    expect(problemOf(otherType)).toMatch(/^a-bert: config\.json: model_type is "bert"; this app runs "vesalius-vlm" model folders/);

    const newerLayout = copyTiny(userDir, 'from-the-future');
    editConfig(newerLayout, { version: '1.0.0' });
    expect(problemOf(newerLayout)).toMatch(/^from-the-future: config\.json: version "1\.0\.0" is layout 1\.0, which this app cannot run \(it runs layouts 0\.2, 0\.3\)/);

    const noLayout = copyTiny(userDir, 'dated');
    editConfig(noLayout, { version: '2026-12' });
    expect(problemOf(noLayout)).toMatch(/^dated: config\.json: version "2026-12" is not a layout version/);

    const noDecoder = copyTiny(userDir, 'no-decoder');
    unlinkSync(path.join(noDecoder, 'text_decoder.onnx'));
    expect(problemOf(noDecoder)).toMatch(/^no-decoder: text_decoder\.onnx: file is missing \(named in config\.json files\)/);

    const emptyEmbed = copyTiny(userDir, 'empty-embed');
    truncateSync(path.join(emptyEmbed, 'image_embed.onnx'), 0);
    expect(problemOf(emptyEmbed)).toMatch(/^empty-embed: image_embed\.onnx: file is empty \(0 bytes\)/);

    const badTokenizer = copyTiny(userDir, 'bad-tokenizer');
    writeFileSync(path.join(badTokenizer, 'tokenizer.json'), '');
    expect(problemOf(badTokenizer)).toMatch(/^bad-tokenizer: tokenizer\.json: file is empty/);

    // The list carries the same problems, and a broken entry still names its version when config.json states one.
    const listed = new Map(listModels({ bundledDir: modelsDir, userDir }).map((e) => [e.name, e]));
    expect(listed.get('from-the-future')).toMatchObject({ version: '1.0.0', tasks: [], segmentPrompts: [], problem: expect.stringMatching(/layout 1\.0/) });
    expect(listed.get('corrupt')).toMatchObject({ version: null, problem: expect.stringMatching(/not valid JSON/) });
    expect([...listed.values()].filter((e) => e.source === 'user' && e.problem === null)).toEqual([]);
  });

  it('finds an id only inside its own folder: unknown sources, paths and vanished folders are not found', () => {
    const { userDir } = newHome();
    copyTiny(userDir, 'kept');
    const dirs = { bundledDir: modelsDir, userDir };
    expect(findModel(dirs, 'user:../home-0')).toBeNull();
    expect(findModel(dirs, `user:${path.join('..', 'kept')}`)).toBeNull();
    expect(findModel(dirs, 'bundled:training')).toBeNull(); // a folder of models/, but not a model
    expect(findModel(dirs, 'elsewhere:kept')).toBeNull();
    expect(findModel(dirs, 'kept')).toBeNull();
    expect(findModel(dirs, 'user:gone')).toBeNull();
    expect(findModel({ bundledDir: modelsDir, userDir: null }, 'user:kept')).toBeNull();
    expect(findModel(dirs, 'user:kept')?.entry.problem).toBeNull();
  });

  it("leaves a test fixture in the user's folder out too (the flag, not the name, decides), unless asked", () => {
    const { userDir } = newHome();
    cpSync(tinyRandomDir, path.join(userDir, 'renamed-fixture'), { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) });
    copyTiny(userDir, 'tiny-random'); // the fixture's name, without its flag: listed
    const dirs = { bundledDir: modelsDir, userDir };
    expect(listModels(dirs).filter((e) => e.source === 'user').map((e) => [e.id, e.testOnly])).toEqual([['user:tiny-random', false]]);
    expect(findModel(dirs, 'user:renamed-fixture')).toBeNull();
    expect(listModels({ ...dirs, includeTestModels: true }).filter((e) => e.source === 'user').map((e) => [e.id, e.testOnly])).toEqual([
      ['user:renamed-fixture', true],
      ['user:tiny-random', false],
    ]);
    expect(findModel({ ...dirs, includeTestModels: true }, 'user:renamed-fixture')?.entry).toMatchObject({ testOnly: true, problem: null });
  });

  it('reads the layout from the version', () => {
    expect(['0.2.0', '0.3.0-tiny', '0.3', '00.3.1', '1.0.0', 'v0.3', '0.3x', ''].map(layoutOf)).toEqual(['0.2', '0.3', '0.3', '0.3', '1.0', null, null, null]);
  });
});
