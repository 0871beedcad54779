import { mkdtempSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Series } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import type { CallName, CallResult, Handlers } from '../contract/index';
import { MAX_MASK_DATA_BYTES } from '../contract/masks';
import type { Result } from '../contract/result';
import { assembleSeries } from '../dicom/study-tree';
import { axialCtInstance, niftiFile, segFile } from '../masks/mask-fixtures';
import { overlappingContent } from '../masks/seg-writer.fixtures';
import type { MaskSet } from '../masks/read-mask';
import type { JobProgress } from '../contract/jobs';
import { JobRegistry } from '../jobs/job-registry';
import type { CallContext } from './context';
import { DatasetScoreJobs } from './dataset-jobs';
import { createMaskHandlers } from './mask-handlers';
import { MaskStore } from './mask-store';
import { StoreHandle } from '../store/store-handle';

// A 4 columns × 3 rows × 2 slices series and two label maps whose overlap is easy to count:
// label 1: truth voxels 0..5, prediction 2..7 → tp 4, union 8 → IoU 1/2 (slice 0 only)
// label 2: truth voxels 12..14, prediction 12..13 → tp 2, union 3 → IoU 2/3 (slice 1 only)
// mIoU = (1/2 + 2/3) / 2 = 7/12.
const SERIES_UID = '1.2.826.0.1.3680043.8.498.1';
const shape: [number, number, number] = [4, 3, 2];
const labelsAt = (ranges: [number, number, number][]): number[] => {
  const values = new Array<number>(24).fill(0);
  for (const [from, to, label] of ranges) for (let i = from; i <= to; i++) values[i] = label;
  return values;
};
const truthValues = labelsAt([
  [0, 5, 1],
  [12, 14, 2],
]);
const predValues = labelsAt([
  [2, 7, 1],
  [12, 13, 2],
]);

const series: Series = assembleSeries({ seriesInstanceUid: SERIES_UID, seriesNumber: 1, modality: 'CT', description: 'fake' }, [
  axialCtInstance(SERIES_UID, 0),
  axialCtInstance(SERIES_UID, 1),
]);

const ctx: CallContext = { transport: 'direct', caller: 'test' };
let dir: string;
const file = (name: string) => path.join(dir, name);

const service = (readMask?: (p: string) => Promise<MaskSet>, datasetJobs?: DatasetScoreJobs) => {
  // Each service its own annotation store in the temp folder: tests do not see each other's masks.
  const masks = new MaskStore(new StoreHandle(path.join(mkdtempSync(path.join(dir, 'home-')), 'annotations.db')));
  const handlers = createMaskHandlers({ findSeries: (uid) => (uid === SERIES_UID ? series : null), readMask, datasetJobs, masks, defaultAuthor: 'tester' });
  // Only mask calls are made; dispatch validates them with the contract's schemas as every transport does.
  const all = handlers as unknown as Handlers<CallContext>;
  return async <K extends CallName>(name: K, args: unknown): Promise<Result<CallResult<K>>> =>
    (await dispatch(all, name, args, ctx)) as Result<CallResult<K>>;
};

const valueOf = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mask-handlers-'));
  await writeFile(file('truth.nii'), niftiFile({ shape, values: truthValues, datatype: 'uint8', spacingMm: [0.5, 0.5, 2.5] }));
  await writeFile(file('pred.nii.gz'), niftiFile({ shape, values: predValues, datatype: 'int16', gzip: true }));
  await writeFile(file('too-deep.nii'), niftiFile({ shape: [4, 3, 3], values: new Array(36).fill(1), datatype: 'uint8' }));
  await writeFile(file('not-a-mask.txt'), 'hello');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('masks.open', () => {
  it('opens files for a series with their label lists, and reports a bad file by name and reason', async () => {
    const call = service();
    const opened = valueOf(await call('masks.open', { paths: [file('truth.nii'), file('not-a-mask.txt')], seriesInstanceUid: SERIES_UID }));
    expect(opened.opened).toHaveLength(1);
    const [truth] = opened.opened;
    expect(truth).toMatchObject({ name: 'truth.nii', shape: [4, 3, 2], seriesInstanceUid: SERIES_UID, seriesFrom: 'caller' });
    expect(truth.spacingMm).toEqual([0.5, 0.5, 2.5]);
    expect(truth.labels).toEqual([
      { value: 1, name: 'label 1', voxelCount: 6 },
      { value: 2, name: 'label 2', voxelCount: 3 },
    ]);
    expect(truth.provenance).toEqual({ role: 'annotator', author: 'tester', origin: { kind: 'file', path: file('truth.nii'), format: 'nifti' } });
    expect(truth).toMatchObject({ headVersion: 1, versionCount: 1, version: 1, readOnly: false, groundTruth: null });
    expect(opened.errors).toHaveLength(1);
    expect(opened.errors[0].path).toBe(file('not-a-mask.txt'));
    expect(opened.errors[0].reason).toMatch(/unrecognised mask format/);
    // The path is shown once, by whoever prints { path, reason }; the reason does not repeat it.
    expect(opened.errors[0].reason).not.toContain(file('not-a-mask.txt'));
    expect(opened.errors[0].reason).not.toContain('not-a-mask.txt');

    const listed = valueOf(await call('masks.list', { seriesKey: SERIES_UID }));
    expect(listed.maskSets.map((m) => m.maskSetId)).toEqual([truth.maskSetId]);
    // The same file opened again is the same stored segmentation, not a copy.
    const again = valueOf(await call('masks.open', { paths: [file('truth.nii')], seriesInstanceUid: SERIES_UID, role: 'expert' }));
    expect(again.opened[0].maskSetId).toBe(truth.maskSetId);
    expect(valueOf(await call('masks.list', { seriesKey: SERIES_UID })).maskSets).toHaveLength(1);
  });

  it('refuses a mask whose shape differs from the series, naming both shapes, and never resamples', async () => {
    const call = service();
    const opened = valueOf(await call('masks.open', { paths: [file('too-deep.nii')], seriesInstanceUid: SERIES_UID }));
    expect(opened.opened).toEqual([]);
    expect(opened.errors[0].path).toBe(file('too-deep.nii'));
    expect(opened.errors[0].reason).toContain('4×3×3');
    expect(opened.errors[0].reason).toContain('4×3×2');
    expect(valueOf(await call('masks.list', { seriesKey: SERIES_UID })).maskSets).toEqual([]);
  });

  it('refuses a series that is not open and arguments that break the schema', async () => {
    const call = service();
    const unknownSeries = valueOf(await call('masks.open', { paths: [file('truth.nii')], seriesInstanceUid: '1.2.3.4' }));
    expect(unknownSeries.errors[0].reason).toMatch(/series 1\.2\.3\.4 is not open/);
    const bad = await call('masks.open', { paths: [], seriesInstanceUid: SERIES_UID });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid_arguments');
    const badId = await call('masks.data', { maskSetId: '../etc/passwd' });
    expect(badId.ok).toBe(false);
  });

  it('takes the series and segment names from a DICOM SEG, and rejects a SEG for another series', async () => {
    const frame = (on: number[]) => Array.from({ length: 12 }, (_, i) => (on.includes(i) ? 1 : 0));
    const seg = segFile({
      type: 'BINARY',
      rows: 3,
      columns: 4,
      segments: [{ number: 1, label: 'Liver' }],
      frames: [
        { segmentNumber: 1, zMm: 0, pixels: frame([0, 1, 2]) },
        { segmentNumber: 1, zMm: 2.5, pixels: frame([5]) },
      ],
      referencedSeriesUid: SERIES_UID,
    });
    await writeFile(file('liver.dcm'), seg);
    const call = service();
    const opened = valueOf(await call('masks.open', { paths: [file('liver.dcm')] }));
    expect(opened.errors).toEqual([]);
    expect(opened.opened[0]).toMatchObject({ seriesInstanceUid: SERIES_UID, seriesFrom: 'file', labels: [{ value: 1, name: 'Liver', voxelCount: 4 }] });

    const other = valueOf(await call('masks.open', { paths: [file('liver.dcm')], seriesInstanceUid: '1.2.3.4' }));
    expect(other.errors[0].reason).toContain(`segments series ${SERIES_UID}, not the chosen series 1.2.3.4`);
  });
});

describe('a NIfTI that declares its orientation', () => {
  it('is put in the series order: rows stored bottom-up come back top-down', async () => {
    // The truth labels with rows reversed, and an sform saying so (RAS: file j runs anterior = −y in LPS).
    const flipped: number[] = [];
    for (let z = 0; z < 2; z++) for (let y = 2; y >= 0; y--) for (let x = 0; x < 4; x++) flipped.push(truthValues[x + 4 * (y + 3 * z)]);
    const bytes = niftiFile({ shape, values: flipped, datatype: 'uint8', spacingMm: [1, 1, 2.5] });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setInt16(254, 1, true); // sform_code
    [
      [-1, 0, 0, 0],
      [0, 1, 0, -2],
      [0, 0, 2.5, 0],
    ].forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v, true)));
    await writeFile(file('flipped.nii'), bytes);
    const call = service();
    const { opened, errors } = valueOf(await call('masks.open', { paths: [file('flipped.nii')], seriesInstanceUid: SERIES_UID }));
    expect(errors).toEqual([]);
    const data = valueOf(await call('masks.data', { maskSetId: opened[0].maskSetId }));
    expect(Array.from(data.labels)).toEqual(truthValues);
  });
});

describe('a DICOM SEG covering some images of its series', () => {
  const frame = (on: number[]) => Array.from({ length: 12 }, (_, i) => (on.includes(i) ? 1 : 0));
  const seg = (zMm: number) =>
    segFile({
      type: 'BINARY',
      rows: 3,
      columns: 4,
      segments: [{ number: 1, label: 'Lesion' }],
      frames: [{ segmentNumber: 1, zMm, pixels: frame([1, 2, 6]) }],
      referencedSeriesUid: SERIES_UID,
    });

  it('is placed on the image it lies on (slice 1 of 2), the other slice background', async () => {
    await writeFile(file('partial.dcm'), seg(2.5));
    const call = service();
    const opened = valueOf(await call('masks.open', { paths: [file('partial.dcm')] }));
    expect(opened.errors).toEqual([]);
    expect(opened.opened[0]).toMatchObject({ shape: [4, 3, 2], labels: [{ value: 1, name: 'Lesion', voxelCount: 3 }] });
    const data = valueOf(await call('masks.data', { maskSetId: opened.opened[0].maskSetId }));
    expect(Array.from(data.labels)).toEqual([...new Array(12).fill(0), ...frame([1, 2, 6])]);
  });

  it('is refused, naming both shapes, when a frame lies between the images', async () => {
    await writeFile(file('between.dcm'), seg(1));
    const opened = valueOf(await service()('masks.open', { paths: [file('between.dcm')] }));
    expect(opened.opened).toEqual([]);
    expect(opened.errors[0].reason).toContain('4×3×1');
    expect(opened.errors[0].reason).toContain('4×3×2');
    expect(opened.errors[0].reason).toMatch(/lies on no image of the series/);
  });
});

describe('masks.data', () => {
  it('returns the labels slice range by slice range in the narrowest dtype', async () => {
    const call = service();
    const { opened } = valueOf(await call('masks.open', { paths: [file('pred.nii.gz')], seriesInstanceUid: SERIES_UID }));
    const id = opened[0].maskSetId;
    const whole = valueOf(await call('masks.data', { maskSetId: id }));
    // Stored as int16 in the file; labels 0..2 travel as uint8.
    expect(whole).toMatchObject({ dtype: 'uint8', shape: [4, 3, 2], zStart: 0, zCount: 2 });
    expect(Array.from(whole.labels)).toEqual(predValues);
    const second = valueOf(await call('masks.data', { maskSetId: id, zStart: 1, zCount: 5 }));
    expect(second.zCount).toBe(1);
    expect(Array.from(second.labels)).toEqual(predValues.slice(12));
    const past = await call('masks.data', { maskSetId: id, zStart: 2 });
    expect(past.ok).toBe(false);
  });

  it('refuses an answer over the size limit and says how many slices fit', async () => {
    const [w, h, d] = [4096, 4096, 2];
    const big: MaskSet = {
      source: '/virtual/big.nii',
      format: 'nifti',
      volume: { data: new Uint8Array(w * h * d).fill(3), shape: [w, h, d], spacingMm: [1, 1, 1], source: '/virtual/big.nii' },
      referencedSeriesUid: '1.2.3.9', // a series not imported: taken as the file says
    };
    expect(w * h * d).toBeGreaterThan(MAX_MASK_DATA_BYTES);
    const call = service(async () => big);
    const { opened } = valueOf(await call('masks.open', { paths: ['/virtual/big.nii'] }));
    const refused = await call('masks.data', { maskSetId: opened[0].maskSetId });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/at most 1 slices/);
    const one = valueOf(await call('masks.data', { maskSetId: opened[0].maskSetId, zCount: 1 }));
    expect(one.zCount).toBe(1);
  });
});

describe('masks.data of one segment', () => {
  it("answers each overlapping segment's own mask whole, where the label map can give a shared voxel to one", async () => {
    const masks = new MaskStore(new StoreHandle(path.join(mkdtempSync(path.join(dir, 'home-')), 'annotations.db')));
    const content = overlappingContent([6, 5, 4]);
    const created = masks.handle.use((store) => store.create({ seriesKey: SERIES_UID, name: 'drawn', provenance: { role: 'annotator', author: 'A', origin: { kind: 'drawn' } }, content }));
    if (!created.ok) throw new Error(created.error.message);
    const handlers = createMaskHandlers({ findSeries: () => null, masks, defaultAuthor: 'tester' }) as unknown as Handlers<CallContext>;
    const call = async (args: unknown) => (await dispatch(handlers, 'masks.data', args, ctx)) as Result<CallResult<'masks.data'>>;
    const id = created.value.id;
    const one = content.masks.get(1)!;
    const two = content.masks.get(2)!;
    const shared = one.findIndex((v, i) => v === 1 && two[i] === 1);
    expect(shared).toBeGreaterThanOrEqual(0); // the fixture's discs do overlap
    const labelMap = valueOf(await call({ maskSetId: id }));
    expect([1, 2]).toContain(labelMap.labels[shared]); // one label only there
    for (const [number, mask] of content.masks) {
      const whole = valueOf(await call({ maskSetId: id, segment: number }));
      expect(whole).toMatchObject({ dtype: 'uint8', zStart: 0, zCount: 4 });
      expect(Array.from(whole.labels)).toEqual(Array.from(mask));
    }
    // A slice range of a segment: the same voxels as that range of the whole.
    const slice = 6 * 5;
    const middle = valueOf(await call({ maskSetId: id, segment: 2, zStart: 1, zCount: 2 }));
    expect(Array.from(middle.labels)).toEqual(Array.from(two.subarray(slice, 3 * slice)));
    const missing = await call({ maskSetId: id, segment: 9 });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toBe('masks.data: segmentation drawn has no segment 9 (its segments: 1, 2, 3)');
  });
});

describe('masks.score', () => {
  it('scores truth against prediction: per-label table, case mIoU 7/12 and per-slice IoU', async () => {
    const call = service();
    const { opened } = valueOf(await call('masks.open', { paths: [file('truth.nii'), file('pred.nii.gz')], seriesInstanceUid: SERIES_UID }));
    const [truth, pred] = opened;
    const scored = valueOf(await call('masks.score', { truthId: truth.maskSetId, predId: pred.maskSetId }));
    expect(scored.emptyRule).toBe('one');
    expect(scored.caseScore.miou).toBeCloseTo(7 / 12, 12);
    const [one, two] = scored.caseScore.labels;
    expect(one).toMatchObject({ label: 1, tp: 4, fp: 2, fn: 2, truthVoxels: 6, predVoxels: 6 });
    expect(one.iou).toBeCloseTo(0.5, 12);
    expect(one.dice).toBeCloseTo(4 / 6, 12);
    expect(two).toMatchObject({ label: 2, tp: 2, fp: 0, fn: 1 });
    expect(two.iou).toBeCloseTo(2 / 3, 12);
    // Truth's spacing 0.5 × 0.5 × 2.5 mm = 0.625 mm³ per voxel: 6 voxels = 0.00375 ml.
    expect(one.truthVolumeMl).toBeCloseTo(0.00375, 12);
    expect(scored.sliceIou).toHaveLength(2);
    expect(scored.sliceIou[0]).toBeCloseTo(0.5, 12);
    expect(scored.sliceIou[1]).toBeCloseTo(2 / 3, 12);
    expect(scored.sliceIouByLabel.map((l) => l.label)).toEqual([1, 2]);
    expect(scored.sliceIouByLabel[0].sliceIou[1]).toBeNull();
    expect(scored.sliceIouByLabel[1].sliceIou[1]).toBeCloseTo(2 / 3, 12);
  });

  it('refuses a pair of different shapes, naming both files and shapes', async () => {
    const small: MaskSet = {
      source: '/virtual/small.nii',
      format: 'nifti',
      volume: { data: new Uint8Array(6), shape: [3, 2, 1], spacingMm: [1, 1, 1], source: '/virtual/small.nii' },
      referencedSeriesUid: '1.2.3.9',
    };
    const call = service(async (p) => (p === '/virtual/small.nii' ? small : (await import('../masks/read-mask')).readMaskFile(p)));
    const a = valueOf(await call('masks.open', { paths: [file('truth.nii')], seriesInstanceUid: SERIES_UID })).opened[0];
    const b = valueOf(await call('masks.open', { paths: ['/virtual/small.nii'] })).opened[0];
    const refused = await call('masks.score', { truthId: a.maskSetId, predId: b.maskSetId });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.message).toContain('4×3×2');
      expect(refused.error.message).toContain('3×2×1');
      expect(refused.error.message).toContain('/virtual/small.nii');
    }
    const missing = await call('masks.score', { truthId: a.maskSetId, predId: 'seg-0000000000000999' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.code).toBe('not_found');
  });
});

describe('masks.scoreDataset', () => {
  it('scores every paired case with its mIoU and reports files on one side only', async () => {
    const truthDir = file('ds-truth');
    const predDir = file('ds-pred');
    await mkdir(truthDir, { recursive: true });
    await mkdir(predDir, { recursive: true });
    await writeFile(path.join(truthDir, 'case-a.nii'), niftiFile({ shape, values: truthValues, datatype: 'uint8' }));
    await writeFile(path.join(predDir, 'case-a.nii'), niftiFile({ shape, values: truthValues, datatype: 'uint8' }));
    await writeFile(path.join(truthDir, 'case-b.nii'), niftiFile({ shape, values: truthValues, datatype: 'uint8' }));
    await writeFile(path.join(predDir, 'case-b.nii.gz'), niftiFile({ shape, values: predValues, datatype: 'uint8', gzip: true }));
    await writeFile(path.join(truthDir, 'case-c.nii'), niftiFile({ shape, values: truthValues, datatype: 'uint8' }));
    const call = service();
    const scored = valueOf(await call('masks.scoreDataset', { truthDir, predDir }));
    expect(scored.cases.map((c) => c.name)).toEqual(['case-a.nii', 'case-b.nii']);
    expect(scored.cases[0].miou).toBe(1);
    expect(scored.cases[1].miou).toBeCloseTo(7 / 12, 12);
    expect(scored.unpairedTruth).toEqual(['case-c.nii']);
    expect(scored.unpairedPred).toEqual([]);
    expect(scored.summary.min).toBeCloseTo(7 / 12, 12);
    expect(scored.summary.mean).toBeCloseTo((1 + 7 / 12) / 2, 12);

    const missing = await call('masks.scoreDataset', { truthDir: file('nope'), predDir });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toContain(`truth folder ${file('nope')}: not found`);

    // The same as a job of the registry: progress events up to 2 of 2, then the same result in its status.
    const events: JobProgress[] = [];
    const jobs = new JobRegistry({ emit: (name, payload) => name === 'jobs.progress' && events.push(payload as JobProgress) });
    const jobCall = service(undefined, new DatasetScoreJobs(jobs));
    const finalEvent = (jobId: string) =>
      vi.waitFor(() => {
        const last = events.filter((e) => e.jobId === jobId).at(-1);
        if (!last || last.state === 'running') throw new Error(`job ${jobId} still running`);
        return last;
      });
    const { jobId } = valueOf(await jobCall('masks.startDatasetScore', { truthDir, predDir }));
    expect(await finalEvent(jobId)).toEqual({ jobId, kind: 'datasetScore', state: 'done', done: 2, total: 2, message: null });
    expect(events[0]).toMatchObject({ jobId, state: 'running', done: 0 });
    expect(jobs.status(jobId)).toMatchObject({ kind: 'datasetScore', state: 'done', done: 2, total: 2, message: null, result: scored });

    // Cancelled before its first case: it stays cancelled and has no result.
    const second = valueOf(await jobCall('masks.startDatasetScore', { truthDir, predDir }));
    expect(jobs.cancel(second.jobId)).toBe(true);
    expect(await finalEvent(second.jobId)).toMatchObject({ state: 'cancelled', message: 'dataset scoring cancelled' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jobs.status(second.jobId)).toMatchObject({ state: 'cancelled', result: null });
    expect(jobs.cancel(second.jobId)).toBe(false);
  });
});
