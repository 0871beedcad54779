// Issue 13: "the bundled model on a few real images … an empty mask on a head image". Skips, saying why, without
// the data directory or a bundled model.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../core/config/data-dir';
import { defaultModel, loadModelFolder } from '../core/model/config';
import { decodePngLabels } from '../core/masks/png';
import { modelsDir } from '../core/model/test-models';
import { vesalius } from './test-run';

const dataDir = resolveDataDir();
if (!dataDir) console.log(dataDirMissingMessage());
/** A head CT of VQA-RAD's test set ("In which two ventricles can calcifications be seen on this CT scan?"). */
const headImage = dataDir ? path.join(dataDir, 'vqa-rad', 'images', 'synpic16520.jpg') : '';
const bundled = defaultModel(modelsDir);
if (!bundled) console.log(`no bundled model under ${modelsDir}: skipping the presence check on a head image`);
const haveData = dataDir !== null && existsSync(headImage);
if (dataDir && !haveData) console.log(`${dataDir} lacks vqa-rad/images/synpic16520.jpg: skipping the presence check on a head image`);

describe.skipIf(!bundled || !haveData)(`vesalius segment "lung" with the bundled model (${bundled?.name}) on a head image`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vesalius-cli-presence-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds no lung in a head CT: not present, presence below the threshold, an empty mask written', async () => {
    const folder = loadModelFolder(bundled!.dir);
    const threshold = folder.config.presence_threshold;
    expect(threshold, `${bundled!.name} has no presence output`).toBeDefined();
    const out = path.join(dir, 'head');
    const run = await vesalius(['segment', headImage, '--prompt', 'lung', '--out', out, '--json'], { VESALIUS_HOME: path.join(dir, 'home') });
    expect(run.code, run.stderr).toBe(0);
    const [entry] = (JSON.parse(run.stdout) as { segmented: Array<{ output: string; present: boolean; presence: number | null; pixels: number }> }).segmented;
    expect(entry).toMatchObject({ present: false, pixels: 0 });
    expect(entry.presence).toBeLessThan(threshold!);
    const written = decodePngLabels(await readFile(entry.output), 'head mask');
    expect(Array.from(written.data).every((v) => v === 0)).toBe(true);
  }, 300_000);
});
