import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../core/config/data-dir';
import { DEFAULT_MODEL_NAME, loadModelFolder, modelTasks } from '../core/model/config';
import { shippedModelDir } from '../core/model/test-models';

// The packaged app cannot be built here (no Electron download); what electron-builder is told to copy of models/
// is checked instead. The models block is read as the flat list it is (no YAML library for one block of our file).
function modelFilterOf(configText: string): { from: string; to: string; filter: string[] } | null {
  const lines = configText.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === 'extraResources:');
  if (start < 0) return null;
  let from = '';
  let to = '';
  const filter: string[] = [];
  let inFilter = false;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const key = /^\s+(?:- )?(from|to):\s*(\S+)\s*$/.exec(line);
    if (key) {
      if (key[1] === 'from') from = key[2];
      else to = key[2];
      inFilter = false;
      continue;
    }
    if (/^\s+filter:\s*$/.test(line)) {
      inFilter = true;
      continue;
    }
    const item = /^\s+- "?([^"]+?)"?\s*$/.exec(line);
    if (inFilter && item) filter.push(item[1]);
  }
  return from === 'models' ? { from, to, filter } : null;
}

/** What loadModelFolder reads of a folder: its three JSON files and the ONNX graphs config.json names. */
function filesLoadingReads(dir: string): string[] {
  const { config } = loadModelFolder(dir);
  return ['config.json', 'tokenizer.json', 'preprocessor_config.json', ...Object.values(config.files).filter((f): f is string => typeof f === 'string')];
}

describe('build/electron-builder.yml: the model folders the app ships', () => {
  const models = modelFilterOf(readFileSync(path.join(projectRoot, 'build', 'electron-builder.yml'), 'utf8'));
  const scratch = mkdtempSync(path.join(tmpdir(), 'vesalius-packaged-model-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('copies models/ to resources/models, where main looks for the bundled model when packaged', () => {
    expect(models).toMatchObject({ from: 'models', to: 'models' });
    expect(readFileSync(path.join(projectRoot, 'main', 'main.ts'), 'utf8')).toContain("path.join(process.resourcesPath, 'models')");
  });

  it(`ships only the default model (${DEFAULT_MODEL_NAME}), by plain file names: no glob that could take in another folder`, () => {
    expect(models!.filter.length).toBeGreaterThan(0);
    for (const entry of models!.filter) {
      expect(entry, entry).toMatch(new RegExp(`^${DEFAULT_MODEL_NAME.replaceAll('.', '\\.')}/[\\w.-]+$`));
    }
  });

  it('ships every file loading reads plus the model card, and nothing else of the folder (no reference/, no eval.json)', () => {
    const shipped = models!.filter.map((entry) => entry.slice(DEFAULT_MODEL_NAME.length + 1)).sort();
    expect(shipped).toEqual([...filesLoadingReads(shippedModelDir), 'MODEL_CARD.md'].sort());
  });

  it('the shipped files alone make a folder that loads, with the embedding graphs search needs', () => {
    const packaged = path.join(scratch, 'resources', 'models', DEFAULT_MODEL_NAME);
    rmSync(packaged, { recursive: true, force: true });
    for (const entry of models!.filter) {
      const target = path.join(scratch, 'resources', 'models', entry);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(path.join(projectRoot, 'models', entry), target);
    }
    const folder = loadModelFolder(packaged);
    expect(folder.name).toBe(DEFAULT_MODEL_NAME);
    expect(modelTasks(folder.config)).toEqual(['caption', 'vqa', 'segment', 'embed']);
  });
});
