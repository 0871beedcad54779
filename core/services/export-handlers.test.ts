import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Series } from '../contract/dicom';
import { err, ok } from '../contract/result';
import { scratchFolder } from '../fixtures/scratch-folder';
import { overlappingContent, testPlanes, writeSourceSeries } from '../masks/seg-writer.fixtures';
import { segSourceOfSeries } from '../masks/seg-writer-source';
import { ReaderSandbox } from '../sandbox/reader-sandbox';
import { WorkerPool } from '../sandbox/worker-pool';
import { StoreHandle } from '../store/store-handle';
import { createExportHandlers, type ExportHandlerDeps } from './export-handlers';
import { MaskStore } from './mask-store';

const scratch = scratchFolder('export-handlers');
const ctx = { transport: 'direct' as const, caller: 'test' };

async function setUp(known: boolean, segSource: ExportHandlerDeps['segSource'] = segSourceOfSeries) {
  const series: Series = await writeSourceSeries(path.join(mkdtempSync(path.join(scratch.path, 'series-')), 'ct'), { columns: 6, rows: 5, slices: 4, ...testPlanes.axial });
  const masks = new MaskStore(new StoreHandle(path.join(mkdtempSync(path.join(scratch.path, 'home-')), 'annotations.db')));
  const created = masks.handle.use((store) => store.create({ seriesKey: series.seriesInstanceUid, name: 'drawn', provenance: { role: 'annotator', author: 'A', origin: { kind: 'drawn' } }, content: overlappingContent([6, 5, 4]) }));
  if (!created.ok) throw new Error(created.error.message);
  const grantedRoot = path.join(scratch.path, 'granted');
  const handlers = createExportHandlers({
    masks,
    defaultAuthor: 'tester',
    findSeries: (key) => (known && key === series.seriesInstanceUid ? series : null),
    checkPath: (p) => (path.resolve(p).startsWith(grantedRoot + path.sep) ? ok(path.resolve(p)) : err('forbidden', `${p} is not a path you chose`)),
    segSource,
  });
  return { handlers, id: created.value.id, grantedRoot, series };
}

describe('masks.export', () => {
  it('refuses a path the user did not choose, before reading anything', async () => {
    const { handlers, id } = await setUp(true);
    const out = path.join(scratch.path, 'elsewhere.dcm');
    const refused = await handlers['masks.export']({ maskSetId: id, format: 'seg', outPath: out }, ctx);
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', message: `masks.export: ${out} is not a path you chose` }) });
    expect(existsSync(out)).toBe(false);
  });

  it('says the series images must be imported when the catalog does not have them', async () => {
    const { handlers, id, grantedRoot } = await setUp(false);
    const refused = await handlers['masks.export']({ maskSetId: id, format: 'nifti', outPath: path.join(grantedRoot, 'x.nii.gz') }, ctx);
    expect(refused.ok || refused.error.message).toMatch(/the images of series .* are not in the catalog; import them first/);
  });

  it('writes into a granted folder and reports what it wrote', async () => {
    const { handlers, id, grantedRoot } = await setUp(true);
    mkdirSync(path.join(grantedRoot, 'sub'), { recursive: true });
    const written = await handlers['masks.export']({ maskSetId: id, format: 'seg', outPath: path.join(grantedRoot, 'a.dcm'), segments: [2] }, ctx);
    if (!written.ok) throw new Error(written.error.message);
    expect(written.value).toMatchObject({ format: 'seg', version: 1, segments: [{ number: 2, fileNumber: 1 }] });
    expect(existsSync(path.join(grantedRoot, 'a.dcm'))).toBe(true);
    const folder = await handlers['masks.export']({ maskSetId: id, format: 'seg', outPath: path.join(grantedRoot, 'sub') }, ctx);
    expect(folder.ok || folder.error.message).toBe(`masks.export: ${path.join(grantedRoot, 'sub')} is a folder; give the file to write`);
  });
});

describe('masks.export reads the source headers on a reader thread', () => {
  const sandbox = new ReaderSandbox({ size: 1 });
  afterAll(() => sandbox.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('SEG and NIfTI exports run the segSource task in the sandbox, and write the same file as in-thread', async () => {
    const { handlers, id, grantedRoot, series } = await setUp(true, sandbox.segSource);
    mkdirSync(grantedRoot, { recursive: true });
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const seg = await handlers['masks.export']({ maskSetId: id, format: 'seg', outPath: path.join(grantedRoot, 'sandboxed.dcm') }, ctx);
    if (!seg.ok) throw new Error(seg.error.message);
    const nifti = await handlers['masks.export']({ maskSetId: id, format: 'nifti', outPath: path.join(grantedRoot, 'sandboxed.nii.gz'), segments: [1] }, ctx);
    if (!nifti.ok) throw new Error(nifti.error.message);
    expect(run.mock.calls.map((call) => call[0])).toEqual(['segSource', 'segSource']);
    expect(await sandbox.segSource(series)).toEqual(await segSourceOfSeries(series));
  });

  it('a refusal read on the thread arrives as the export\'s bad_input with the same words', async () => {
    const { handlers, id, grantedRoot, series } = await setUp(true, (s) => sandbox.segSource({ ...s, instances: s.instances.map((i) => ({ ...i, path: `${i.path}.gone` })) }));
    mkdirSync(grantedRoot, { recursive: true });
    const refused = await handlers['masks.export']({ maskSetId: id, format: 'seg', outPath: path.join(grantedRoot, 'never.dcm') }, ctx);
    expect(refused.ok || refused.error).toMatchObject({ code: 'bad_input', message: expect.stringMatching(new RegExp(`^masks\\.export: segmentation .*: source image ${series.instances[0].path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.gone: cannot open`)) });
    expect(existsSync(path.join(grantedRoot, 'never.dcm'))).toBe(false);
  });
});
