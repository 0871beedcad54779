// Import of DICOM SEG (binary as we write it, fractional, labelmap) as editable stored segmentations.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provenance } from '../annotations/model';
import type { Series } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import type { CallName, CallResult, Handlers } from '../contract/index';
import type { Result } from '../contract/result';
import { assembleSeries } from '../dicom/study-tree';
import { scratchFolder } from '../fixtures/scratch-folder';
import type { CallContext } from '../services/context';
import { createMaskHandlers } from '../services/mask-handlers';
import { MaskStore } from '../services/mask-store';
import { createStoreHandlers } from '../services/store-handlers';
import { StoreHandle } from '../store/store-handle';
import { axialCtInstance, segFile } from './mask-fixtures';
import { encodeDicomSeg } from './seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from './seg-writer.fixtures';
import { segSourceOfSeries } from './seg-writer-source';

const scratch = scratchFolder('seg-import');
const ctx: CallContext = { transport: 'direct', caller: 'test' };

function service(seriesList: Series[]) {
  const masks = new MaskStore(new StoreHandle(path.join(mkdtempSync(path.join(scratch.path, 'home-')), 'annotations.db')));
  const findSeries = (uid: string) => seriesList.find((s) => s.seriesInstanceUid === uid) ?? null;
  const handlers = { ...createMaskHandlers({ findSeries, masks, defaultAuthor: 'tester' }), ...createStoreHandlers({ masks, defaultAuthor: 'tester' }) } as unknown as Handlers<CallContext>;
  const call = async <K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> => {
    const result = (await dispatch(handlers, name, args, ctx)) as Result<CallResult<K>>;
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
  return { call, masks };
}

describe('SEG import as an editable segmentation', () => {
  it('opens a SEG we wrote with its segments, colours, codes and identical voxels, and takes edits', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'ours'), { columns: 10, rows: 8, slices: 6, ...testPlanes.oblique });
    const content = overlappingContent([10, 8, 6]);
    const provenance: Provenance = { role: 'annotator', author: 'A', origin: { kind: 'drawn' } };
    const { bytes } = encodeDicomSeg({ source: await segSourceOfSeries(series), content, provenance, versionNumber: 1, name: 'ours' });
    const file = await scratch.write('ours.dcm', bytes);
    const { call, masks } = service([series]);
    const opened = await call('masks.open', { paths: [file] });
    expect(opened.errors).toEqual([]);
    const info = opened.opened[0];
    expect(info.readOnly).toBe(false);
    expect(info.seriesInstanceUid).toBe(series.seriesInstanceUid);
    expect(info.segments).toEqual(content.segments.map((s) => ({ ...s, category: s.category ?? { value: '85756007', scheme: 'SCT', meaning: 'Tissue' }, type: s.type ?? { value: '85756007', scheme: 'SCT', meaning: 'Tissue' } })));
    const stored = masks.handle.use((store) => store.load(info.maskSetId));
    if (!stored.ok) throw new Error(stored.error.message);
    for (const segment of content.segments) {
      expect(Buffer.from(stored.value.content.masks.get(segment.number)!).equals(Buffer.from(content.masks.get(segment.number)!))).toBe(true);
    }
    // Editable: a slice edit is saved as version 2.
    const edited = await call('masks.saveSlices', { maskSetId: info.maskSetId, expectedHead: 1, edits: [{ segment: 2, z: 0, bits: null }], note: 'cleared' });
    expect(edited.headVersion).toBe(2);
  });

  const uid = '1.2.826.0.1.3680043.8.498.77';
  const axial = assembleSeries({ seriesInstanceUid: uid, seriesNumber: 1, modality: 'CT', description: 'fake' }, [axialCtInstance(uid, 0), axialCtInstance(uid, 1)]);

  it('thresholds a FRACTIONAL SEG at one half and records why in the version note', async () => {
    // 4 × 3 pixels; MaximumFractionalValue 200: values ≥ 100 are in.
    const pixels = [0, 99, 100, 200, 150, 1, 0, 0, 0, 0, 101, 0];
    const file = await scratch.write('fractional.dcm', segFile({ type: 'FRACTIONAL', rows: 3, columns: 4, maxFractional: 200, referencedSeriesUid: uid, segments: [{ number: 1, label: 'probability' }], frames: [{ segmentNumber: 1, zMm: 2.5, pixels }] }));
    const { call } = service([axial]);
    const opened = await call('masks.open', { paths: [file], role: 'model' });
    expect(opened.errors).toEqual([]);
    const info = opened.opened[0];
    expect(info.labels).toEqual([{ value: 1, name: 'probability', voxelCount: 4 }]);
    const versions = await call('masks.versions', { maskSetId: info.maskSetId });
    expect(versions.versions[0].note).toMatch(/FRACTIONAL SEG thresholded: .*at least 100 \(half of MaximumFractionalValue, a probability or occupancy of 0\.5\)/);
  });

  it('opens a LABELMAP SEG as one editable segment per label', async () => {
    const pixels0 = [1, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
    const pixels1 = [0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 1];
    const file = await scratch.write('labelmap.dcm', segFile({
      type: 'LABELMAP', rows: 3, columns: 4, referencedSeriesUid: uid,
      segments: [{ number: 1, label: 'one' }, { number: 2, label: 'two' }],
      frames: [{ segmentNumber: 0, zMm: 0, pixels: pixels0 }, { segmentNumber: 0, zMm: 2.5, pixels: pixels1 }],
    }));
    const { call } = service([axial]);
    const opened = await call('masks.open', { paths: [file] });
    expect(opened.errors).toEqual([]);
    expect(opened.opened[0].labels).toEqual([{ value: 1, name: 'one', voxelCount: 3 }, { value: 2, name: 'two', voxelCount: 4 }]);
    expect(opened.opened[0].readOnly).toBe(false);
  });
});
