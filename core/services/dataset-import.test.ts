import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { ImportJobStatus } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import type { MaskSetInfo } from '../contract/masks';
import { labelPng } from '../masks/mask-fixtures';
import { createAppService, type AppService } from './app-service';
import type { CallContext } from './context';
import { DATASET_AUTHOR } from './dataset-import';
import { waitForJob } from './test-helpers';

const ctx: CallContext = { transport: 'direct', caller: 'test' };

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'vesalius-dataset-import-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

async function importAndWait(service: AppService, paths: string[]): Promise<ImportJobStatus> {
  const started = await dispatch(service.handlers, 'dicom.startImport', { paths }, ctx);
  if (!started.ok) throw new Error(started.error.message);
  return waitForJob(service, (started.value as { jobId: string }).jobId);
}

async function segmentationsOf(service: AppService, seriesKey: string): Promise<MaskSetInfo[]> {
  const listed = await dispatch(service.handlers, 'masks.list', { seriesKey }, ctx);
  if (!listed.ok) throw new Error(listed.error.message);
  return (listed.value as { maskSets: MaskSetInfo[] }).maskSets;
}

describe('PNG dataset import', () => {
  it('imports images as a study and masks as expert segmentations, once, surviving a restart', async () => {
    const root = path.join(tmp, 'lungs', 'val');
    await mkdir(path.join(root, 'images'), { recursive: true });
    await mkdir(path.join(root, 'masks'), { recursive: true });
    // 6×4 images (HU + 1024); case_1's mask covers 5 pixels, case_2 has no mask, the orphan has no image.
    await writeFile(path.join(root, 'images', 'case_1.png'), labelPng(6, 4, new Array(24).fill(1024 - 800), 16));
    await writeFile(path.join(root, 'images', 'case_2.png'), labelPng(6, 4, new Array(24).fill(1024 + 40), 16));
    const mask = new Array(24).fill(0);
    for (const i of [1, 2, 7, 8, 9]) mask[i] = 255;
    await writeFile(path.join(root, 'masks', 'case_1.png'), labelPng(6, 4, mask));
    await writeFile(path.join(root, 'masks', 'orphan.png'), labelPng(6, 4, new Array(24).fill(0)));
    const home = path.join(tmp, 'home');
    const options = { dataDir: null, transport: 'direct' as const, cacheDir: path.join(tmp, 'cache'), home };

    const service = createAppService(options);
    const status = await importAndWait(service, [root]);
    expect(status.state).toBe('done');
    expect(status.result).toMatchObject({ added: 2, expertMasks: 1 });
    expect(status.result?.errors).toEqual([
      { path: path.join(root, 'masks', 'orphan.png'), code: 'mask_rejected', reason: expect.stringContaining('no image named orphan.png') },
    ]);
    const studies = service.catalog.studies({ query: 'lungs/val' }).studies;
    expect(studies).toHaveLength(1);
    const seriesKeys = status.result?.seriesKeys ?? [];
    expect(seriesKeys).toHaveLength(2);
    const described = seriesKeys.map((key) => service.catalog.series(key)?.series.description);
    const case1Key = seriesKeys[described.indexOf('case_1')];
    const stored = await segmentationsOf(service, case1Key);
    expect(stored).toHaveLength(1);
    expect(stored[0].provenance).toMatchObject({ role: 'expert', author: DATASET_AUTHOR });
    expect(JSON.stringify(stored[0].provenance)).toContain(path.join(root, 'masks', 'case_1.png'));
    expect(stored[0].labels.map((l) => l.voxelCount)).toEqual([5]);
    service.dispose();

    // Importing again after a restart: nothing re-read, no second copy of the mask.
    const again = createAppService(options);
    const second = await importAndWait(again, [root]);
    expect(second.result).toMatchObject({ added: 0, unchanged: 2 });
    expect(await segmentationsOf(again, case1Key)).toHaveLength(1);
    again.dispose();
  });

  const dataDir = resolveDataDir();
  it.skipIf(dataDir === null)(`imports the real lung-ct/val split with an expert mask per slice${dataDir ? '' : ` (${dataDirMissingMessage()})`}`, async () => {
    const service = createAppService({ dataDir, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'real-home') });
    try {
      const status = await importAndWait(service, [path.join(dataDir!, 'lung-ct', 'val')]);
      expect(status.result?.errors).toEqual([]);
      expect(status.result?.seriesKeys).toHaveLength(27);
      expect(status.result?.expertMasks).toBe(27);
      const first = (await segmentationsOf(service, status.result!.seriesKeys[0]))[0];
      expect(first.shape).toEqual([512, 512, 1]);
      expect(first.labels[0].voxelCount).toBeGreaterThan(1000);
    } finally {
      service.dispose();
    }
  });
});
