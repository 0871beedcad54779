// DICOM headers read on sandboxed reader threads: the same outcomes as in this thread (generated
// fixtures, fuzz regressions, seeded mutations, the real collection when present), a file that kills
// or hangs its reader fails alone, cancel stops handing out batches, and the composition roots pass
// the sandboxed reader.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { indexCommand } from '../../cli/index-command';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { ImportJobStatus, ImportResult } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import { FileRegistry } from '../dicom/file-registry';
import { indexPaths, scanPaths } from '../dicom/indexer';
import { EXPLICIT_BE } from '../dicom/transfer-syntax';
import { writeImportCorpus, type ImportCorpus } from '../fixtures/corpus';
import { scratchFolder } from '../fixtures/scratch-folder';
import { seededRandom } from '../metrics/test-volumes';
import { mutate } from '../fuzz/mutate';
import { deepNesting, deflatedBombs } from '../fuzz/special';
import { createAppService } from '../services/app-service';
import { waitForJob } from '../services/test-helpers';
import { HeaderSandbox } from './header-sandbox';
import { WorkerPool } from './worker-pool';

const dataDir = resolveDataDir();
const realDicom = dataDir ? path.join(dataDir, 'dicom') : null;
const hasRealDicom = realDicom !== null && existsSync(realDicom);
if (!hasRealDicom) console.warn(dataDirMissingMessage());

const hostileEntry = fileURLToPath(new URL('./hostile-header-worker.fixture.ts', import.meta.url));
const scratch = scratchFolder('header-sandbox');

let corpus: ImportCorpus;
/** The corpus, the fuzz regressions' files and seeded mutations of the corpus's good files. */
let mixed: string;
// Small batches, so even this small corpus crosses many batch boundaries and both threads.
let sandbox: HeaderSandbox;

/** Outcomes without the registry's random file keys (two runs register the same files under different keys). */
const withoutKeys = (result: ImportResult): unknown => JSON.parse(JSON.stringify(result, (k, v) => (k === 'fileKey' ? undefined : v)));

beforeAll(async () => {
  sandbox = new HeaderSandbox({ size: 2, batchSize: 4 });
  mixed = path.join(scratch.path, 'mixed');
  corpus = await writeImportCorpus(path.join(mixed, 'corpus'));
  const regressions = path.join(mixed, 'regressions');
  await mkdir(regressions, { recursive: true });
  const nested = deepNesting(3000, EXPLICIT_BE, true);
  await writeFile(path.join(regressions, nested.name), nested.bytes);
  const claims3GiB = deflatedBombs(8)[1];
  await writeFile(path.join(regressions, claims3GiB.name), claims3GiB.bytes);
  const random = seededRandom(9);
  const goods = [...corpus.seriesBySyntax.values()].flat();
  for (let k = 0; k < 24; k++) {
    const source = goods[k % goods.length];
    const { bytes } = mutate(random, new Uint8Array(await readFile(source)), 'dicom', { explicit: !source.includes('implicit'), littleEndian: !source.includes('explicit-be') });
    await writeFile(path.join(regressions, `mutated-${String(k).padStart(2, '0')}.dcm`), bytes);
  }
}, 60_000);
afterAll(async () => {
  await sandbox.close();
});

describe('headers read on sandboxed reader threads', () => {
  it('give the same outcomes, stats and progress as in this thread', async () => {
    const inThreadProgress: number[] = [];
    const inThread = await scanPaths([mixed], { statFiles: true, onProgress: (done) => inThreadProgress.push(done) });
    const progress: Array<[number, number]> = [];
    const sandboxed = await scanPaths([mixed], { statFiles: true, headerReader: sandbox, onProgress: (done, total) => progress.push([done, total]) });
    expect(sandboxed.outcomes).toEqual(inThread.outcomes);
    expect(sandboxed.stats).toEqual(inThread.stats);
    expect(sandboxed.outcomes.filter((o) => o.kind === 'instance').length).toBeGreaterThan(15);
    expect(new Set(sandboxed.outcomes.map((o) => (o.kind === 'error' ? o.error.code : 'instance'))).size).toBeGreaterThan(5);
    // Progress moves per batch of 4 up to the total, never back.
    const total = sandboxed.walk.files.length;
    expect(progress.at(-1)).toEqual([total, total]);
    const reading = progress.filter(([done]) => done > 0).map(([done]) => done);
    expect(reading).toEqual([...reading].sort((a, b) => a - b));
    expect(reading.length).toBe(Math.ceil(total / 4));

    const viaIndex = await indexPaths([mixed], { registry: new FileRegistry(), headerReader: sandbox });
    expect(withoutKeys(viaIndex)).toEqual(withoutKeys(await indexPaths([mixed], { registry: new FileRegistry() })));
  }, 60_000);

  it.skipIf(!hasRealDicom)('give the same outcomes as in this thread on the real DICOM collection', async () => {
    const root = realDicom ?? '';
    const sandboxed = await scanPaths([root], { headerReader: sandbox, statFiles: true });
    const inThread = await scanPaths([root], { statFiles: true });
    expect(sandboxed.inspected.length).toBeGreaterThan(100);
    expect(sandboxed.outcomes).toEqual(inThread.outcomes);
    expect(sandboxed.stats).toEqual(inThread.stats);
  }, 60_000);

  it('a file that kills its reader thread, and one that hangs it, fail alone with the reason; the rest index normally', async () => {
    const folder = path.join(scratch.path, 'hostile');
    await mkdir(folder, { recursive: true });
    const good = corpus.seriesBySyntax.get('explicit-le') ?? [];
    for (const [k, file] of good.entries()) await copyFile(file, path.join(folder, `slice-${k}.dcm`));
    const kills = path.join(folder, 'kills-the-reader.dcm');
    const hangs = path.join(folder, 'hangs-the-reader.dcm');
    await copyFile(good[0], kills);
    await copyFile(good[1], hangs);
    await copyFile(corpus.seriesBySyntax.get('rle')?.[0] ?? '', path.join(folder, 'z-after.dcm'));
    const hostile = new HeaderSandbox({ entry: hostileEntry, size: 1, batchSize: 3, batchTimeLimitMs: 4000, fileTimeLimitMs: 3000 });
    try {
      const scan = await scanPaths([folder], { headerReader: hostile });
      const byName = new Map(scan.inspected.map((file, i) => [path.basename(file), scan.outcomes[i]]));
      expect(byName.get('kills-the-reader.dcm')).toEqual({
        kind: 'error',
        error: { path: kills, code: 'malformed', reason: 'the header reader stopped: the reader stopped while reading this file (its thread exited with code 70)' },
      });
      expect(byName.get('hangs-the-reader.dcm')).toEqual({
        kind: 'error',
        error: { path: hangs, code: 'unreadable', reason: 'the header reader stopped: reading stopped after 3 s (the time limit for one file)' },
      });
      // Every other file: what this thread makes of it.
      const others = scan.inspected.filter((f) => f !== kills && f !== hangs);
      expect(others).toHaveLength(4);
      const inThread = await scanPaths([folder]);
      for (const file of others) expect(byName.get(path.basename(file))).toEqual(inThread.outcomes[inThread.inspected.indexOf(file)]);
      expect(others.every((f) => byName.get(path.basename(f))?.kind === 'instance')).toBe(true);
    } finally {
      await hostile.close();
    }
  }, 60_000);

  it('cancel: rejects as an abort, hands out no batch after it, drops the one in flight; the next import works', async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const controller = new AbortController();
    let doneAtAbort = -1;
    let progressAfterAbort = false;
    let runsAtAbort = -1;
    const cancelled = scanPaths([mixed], {
      headerReader: sandbox,
      signal: controller.signal,
      onProgress: (done) => {
        if (controller.signal.aborted) progressAfterAbort = true;
        if (done > 0 && doneAtAbort < 0) {
          doneAtAbort = done;
          runsAtAbort = run.mock.calls.length;
          controller.abort();
        }
      },
    });
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the batches in flight answer
    expect(progressAfterAbort).toBe(false);
    expect(run.mock.calls.length).toBe(runsAtAbort);
    const total = (await scanPaths([mixed])).inspected.length;
    expect(runsAtAbort * 4).toBeLessThan(total);
    run.mockRestore();
    const again = await scanPaths([mixed], { headerReader: sandbox });
    expect(again.outcomes).toEqual((await scanPaths([mixed])).outcomes);
  }, 60_000);
});

describe('composition roots read headers on reader threads', () => {
  it('the app service (host, Electron, `vesalius import`) and `vesalius index`', async () => {
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const service = createAppService({ dataDir: null, transport: 'direct', cacheDir: path.join(scratch.path, 'cache'), home: path.join(scratch.path, 'home') });
    try {
      const good = path.join(corpus.root, 'good');
      const started = await dispatch(service.handlers, 'dicom.startImport', { paths: [good] }, { transport: 'direct', caller: 'test' });
      if (!started.ok) throw new Error(started.error.message);
      const status: ImportJobStatus = await waitForJob(service, (started.value as { jobId: string }).jobId);
      expect(status.state).toBe('done');
      expect(status.result).toMatchObject({ added: 15, errors: [] });
      const indexed = run.mock.calls.filter((call) => call[0] === 'indexHeaders').flatMap((call) => (call[1] as { paths: string[] }).paths);
      expect(indexed).toHaveLength(15);

      run.mockClear();
      const out: string[] = [];
      expect(await indexCommand([good, '--json'], { stdout: (t) => out.push(t), stderr: () => undefined })).toBe(0);
      expect((JSON.parse(out.join('')) as ImportResult).fileCount).toBe(15);
      expect(run.mock.calls.filter((call) => call[0] === 'indexHeaders').flatMap((call) => (call[1] as { paths: string[] }).paths)).toHaveLength(15);
    } finally {
      service.dispose();
      run.mockRestore();
    }
  }, 60_000);
});
