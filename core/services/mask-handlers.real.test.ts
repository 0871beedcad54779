import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { Series } from '../contract/dicom';
import { FileRegistry } from '../dicom/file-registry';
import { indexPaths } from '../dicom/indexer';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { StoreHandle } from '../store/store-handle';
import { createMaskHandlers } from './mask-handlers';
import { MaskStore } from './mask-store';

const dataDir = resolveDataDir();
if (!dataDir) console.warn(dataDirMissingMessage());

const ctx = { transport: 'direct' as const, caller: 'test' };

// dcmqi's 3 real CT slices with an expert liver SEG and a 5-segment partial-overlap SEG that reference them.
describe.skipIf(!dataDir)('masks on the real dcmqi CT + SEG (data directory)', () => {
  const segDir = path.join(dataDir ?? '', 'dicom', 'dcmqi', 'segmentations');

  const openSeries = async (): Promise<Series> => {
    const indexed = await indexPaths([path.join(segDir, 'ct-3slice')], { registry: new FileRegistry() });
    const series = indexed.patients.flatMap((p) => p.studies.flatMap((s) => s.series)).find((s) => s.modality === 'CT');
    if (!series) throw new Error('no CT series under ct-3slice');
    return series;
  };

  it('opens the SEGs on the series they reference and scores the liver against itself and the overlaps', async () => {
    const series = await openSeries();
    const home = mkdtempSync(path.join(os.tmpdir(), 'mask-handlers-real-'));
    const masks = new MaskStore(new StoreHandle(path.join(home, 'annotations.db')));
    const handlers = createMaskHandlers({ findSeries: (uid) => (uid === series.seriesInstanceUid ? series : null), masks, defaultAuthor: 'tester' });
    const opened = await handlers['masks.open']({ paths: [path.join(segDir, 'liver.dcm'), path.join(segDir, 'partial_overlaps.dcm')], role: 'expert' }, ctx);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.errors).toEqual([]);
    const [liver, overlaps] = opened.value.opened;
    expect(liver).toMatchObject({ seriesInstanceUid: series.seriesInstanceUid, seriesFrom: 'file', shape: [512, 512, 3] });
    expect(liver.labels.map((l) => l.name)).toEqual(['Liver']);
    expect(liver.labels[0].voxelCount).toBeGreaterThan(1000);
    expect(overlaps.labels.map((l) => l.value)).toEqual([1, 2, 3, 4, 5]);

    const self = await handlers['masks.score']({ truthId: liver.maskSetId, predId: liver.maskSetId, emptyRule: 'one' }, ctx);
    if (!self.ok) throw new Error(self.error.message);
    expect(self.value.caseScore.miou).toBe(1);
    expect(self.value.sliceIou.every((v) => v === null || v === 1)).toBe(true);

    // Liver (segment 1) against five other segments: an IoU strictly inside (0, 1) or 0, never above 1.
    const cross = await handlers['masks.score']({ truthId: liver.maskSetId, predId: overlaps.maskSetId, emptyRule: 'one' }, ctx);
    if (!cross.ok) throw new Error(cross.error.message);
    expect(cross.value.caseScore.labels.map((l) => l.label)).toEqual([1, 2, 3, 4, 5]);
    for (const label of cross.value.caseScore.labels) expect(label.iou ?? 0).toBeLessThan(1);
    masks.handle.close();
    rmSync(home, { recursive: true, force: true });
  });
});
