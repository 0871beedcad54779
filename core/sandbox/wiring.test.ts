// The app's readers of untrusted files go through the sandbox: the PNG dataset import (each image
// decoded on a reader thread), masks.open and dataset scoring; a file the reader refuses fails alone.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ImportJobStatus } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import type { DatasetScore, MaskOpenError } from '../contract/masks';
import { labelPng } from '../masks/mask-fixtures';
import { MAX_PNG_PIXELS } from '../masks/png';
import { createAppService, type AppService } from '../services/app-service';
import type { CallContext } from '../services/context';
import { waitForJob } from '../services/test-helpers';
import { WorkerPool } from './worker-pool';

const ctx: CallContext = { transport: 'direct', caller: 'test' };

/** A PNG whose header claims 1 × 2,147,483,647 pixels (it took the host down before the sandbox). */
function tallPng(): Buffer {
  const png = Buffer.from(labelPng(2, 2, [0, 1, 1, 0]));
  png.writeUInt32BE(1, 16);
  png.writeUInt32BE(2_147_483_647, 20);
  return png;
}
const tallReason = `PNG of 1 × 2147483647 pixels is over the ${MAX_PNG_PIXELS}-pixel limit`;

describe('app service readers run in the sandbox', () => {
  let tmp: string;
  let service: AppService;
  const ranKinds = (spy: { mock: { calls: unknown[][] } }): string[] => spy.mock.calls.map((call) => call[0] as string);
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'vesalius-sandbox-wiring-'));
    service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(tmp, 'cache'), home: path.join(tmp, 'home') });
  });
  afterAll(async () => {
    service.dispose();
    await rm(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a PNG dataset: every image is decoded on a reader thread; the bomb image fails alone with its reason', async () => {
    const root = path.join(tmp, 'set', 'val');
    await mkdir(path.join(root, 'images'), { recursive: true });
    await mkdir(path.join(root, 'masks'), { recursive: true });
    await writeFile(path.join(root, 'images', 'good.png'), labelPng(3, 2, [1000, 1010, 1020, 1030, 1040, 1050], 16));
    await writeFile(path.join(root, 'images', 'tall.png'), tallPng());
    await writeFile(path.join(root, 'masks', 'good.png'), labelPng(3, 2, [0, 1, 1, 0, 0, 1]));
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const started = await dispatch(service.handlers, 'dicom.startImport', { paths: [root] }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    const status: ImportJobStatus = await waitForJob(service, (started.value as { jobId: string }).jobId);
    expect(status.state).toBe('done');
    expect(status.result).toMatchObject({ added: 1, expertMasks: 1 });
    expect(status.result?.errors).toEqual([{ path: path.join(root, 'images', 'tall.png'), code: 'malformed', reason: `${path.join(root, 'images', 'tall.png')}: ${tallReason}` }]);
    expect(ranKinds(run).filter((k) => k === 'readGrayPng')).toHaveLength(2);
    expect(ranKinds(run)).toContain('readMask'); // the expert mask, through masks.open
  });

  it('masks.open: the bomb PNG is refused with its reason and the next file in the call opens', async () => {
    const dir = path.join(tmp, 'open');
    await mkdir(dir);
    await writeFile(path.join(dir, 'tall.png'), tallPng());
    await writeFile(path.join(dir, 'fine.png'), labelPng(2, 1, [0, 3]));
    service.catalog.grant([dir], 'dialog');
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const opened = await dispatch(service.handlers, 'masks.open', { paths: [path.join(dir, 'tall.png'), path.join(dir, 'fine.png')], role: 'annotator' }, ctx);
    if (!opened.ok) throw new Error(opened.error.message);
    const errors = (opened.value as { errors: MaskOpenError[] }).errors;
    expect(errors).toEqual([
      { path: path.join(dir, 'tall.png'), reason: tallReason },
      // Read normally: only then refused for naming no series, which a PNG cannot.
      { path: path.join(dir, 'fine.png'), reason: 'no series: choose the series the mask belongs to (a NIfTI or PNG does not name one)' },
    ]);
    expect(ranKinds(run)).toEqual(['readMask', 'readMask']);
  });

  it('masks.scoreDataset reads both folders on reader threads; a refused file becomes that case\'s error', async () => {
    const truth = path.join(tmp, 'score', 'truth');
    const pred = path.join(tmp, 'score', 'pred');
    await mkdir(truth, { recursive: true });
    await mkdir(pred, { recursive: true });
    await writeFile(path.join(truth, 'a.png'), labelPng(2, 1, [1, 0]));
    await writeFile(path.join(pred, 'a.png'), labelPng(2, 1, [1, 0]));
    await writeFile(path.join(truth, 'b.png'), labelPng(2, 1, [1, 0]));
    await writeFile(path.join(pred, 'b.png'), tallPng());
    service.catalog.grant([path.join(tmp, 'score')], 'dialog');
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const scored = await dispatch(service.handlers, 'masks.scoreDataset', { truthDir: truth, predDir: pred, emptyRule: 'one' }, ctx);
    if (!scored.ok) throw new Error(scored.error.message);
    const cases = (scored.value as DatasetScore).cases;
    expect(cases.find((c) => c.name === 'a.png')).toMatchObject({ miou: 1, error: null });
    expect(cases.find((c) => c.name === 'b.png')?.error).toBe(`${path.join(pred, 'b.png')}: ${tallReason}`);
    expect(ranKinds(run)).toEqual(['readMask', 'readMask', 'readMask', 'readMask']);
  });
});
