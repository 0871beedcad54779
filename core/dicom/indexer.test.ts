import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importResultSchema } from '../contract/dicom';
import { writeImportCorpus, type ImportCorpus } from '../fixtures/corpus';
import { FileRegistry } from './file-registry';
import { indexPaths } from './indexer';
import { allInstances, listRegularFiles, reportedPaths } from './test-helpers';

let workDir: string;
let corpus: ImportCorpus;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-index-'));
  corpus = await writeImportCorpus(path.join(workDir, 'corpus'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('indexPaths on generated fixtures', () => {
  it('accounts for every file exactly once, with the expected outcome', async () => {
    const registry = new FileRegistry();
    const result = await indexPaths([corpus.root], { registry });
    expect(importResultSchema.parse(result)).toEqual(result);

    const files = (await listRegularFiles(corpus.root)).sort();
    const reported = reportedPaths(result);
    expect([...reported].sort()).toEqual(files);
    expect(result.fileCount).toBe(files.length);

    const outcomeByPath = new Map<string, string>();
    for (const instance of allInstances(result)) outcomeByPath.set(instance.path, 'instance');
    for (const error of result.errors) outcomeByPath.set(error.path, error.code);
    expect(Object.fromEntries(outcomeByPath)).toEqual(Object.fromEntries(corpus.expected));

    for (const error of result.errors) expect(error.reason.length).toBeGreaterThan(5);
    const duplicate = result.errors.find((e) => e.code === 'duplicate');
    expect(duplicate?.reason).toContain(corpus.seriesBySyntax.get('explicit-le')?.[1]);
  });

  it('builds one series per transfer syntax, sorted feet to head, with resolvable file keys', async () => {
    const registry = new FileRegistry();
    const result = await indexPaths([path.join(corpus.root, 'good')], { registry });
    expect(result.errors).toEqual([]);
    const series = result.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    expect(series).toHaveLength(5);
    const syntaxes = new Set(series.map((s) => s.instances[0].transferSyntaxUid));
    expect(syntaxes).toEqual(
      new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.5']),
    );
    for (const oneSeries of series) {
      expect(oneSeries.modality).toBe('CT');
      const z = oneSeries.instances.map((i) => i.imagePositionPatient?.[2] ?? NaN);
      expect(z).toEqual([...z].sort((a, b) => a - b));
      expect(oneSeries.instances.map((i) => [i.rows, i.columns, i.numberOfFrames])).toEqual([
        [32, 32, 1],
        [32, 32, 1],
        [32, 32, 1],
      ]);
      for (const instance of oneSeries.instances) {
        expect(instance.fileKey).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(registry.resolve(instance.fileKey)).toBe(instance.path);
      }
    }
  });

  it('gives the same answer when every header needs the prefix to grow', async () => {
    const registry = new FileRegistry();
    const normal = await indexPaths([corpus.root], { registry });
    const tiny = await indexPaths([corpus.root], { registry, prefixBytes: 150, concurrency: 3 });
    expect(tiny).toEqual(normal);
  });

  it('gives the same answer with first bytes read on the reader thread as with async reads per file', async () => {
    const registry = new FileRegistry();
    const perFile = await indexPaths([corpus.root], { registry, readOnThread: false });
    const threaded = await indexPaths([corpus.root], { registry, readOnThread: true });
    expect(threaded).toEqual(perFile);
    // Tiny batches of first bytes: every header grows past them and is finished by reopening the file.
    const threadedTiny = await indexPaths([corpus.root], { registry, readOnThread: true, prefixBytes: 150 });
    expect(threadedTiny).toEqual(perFile);
    expect(perFile.errors.some((e) => e.code === 'truncated')).toBe(true);

    // Cancelled midway on the thread: rejects as an abort, and the next import gets a working reader.
    const controller = new AbortController();
    const cancelled = indexPaths([corpus.root], {
      registry,
      readOnThread: true,
      signal: controller.signal,
      onProgress: (done) => done === 1 && controller.abort(),
    });
    await expect(cancelled).rejects.toThrow(/cancel|abort/i);
    expect(await indexPaths([corpus.root], { registry, readOnThread: true })).toEqual(perFile);
  });

  it('counts overlapping inputs once, survives symlink loops, reports broken links and FIFOs without blocking', async () => {
    const odd = path.join(workDir, 'odd');
    await mkdir(path.join(odd, 'sub'), { recursive: true });
    await symlink(odd, path.join(odd, 'sub', 'loop'));
    await symlink(path.join(odd, 'nowhere.dcm'), path.join(odd, 'broken-link.dcm'));
    await symlink(corpus.seriesBySyntax.get('rle')?.[0] ?? '', path.join(odd, 'sub', 'linked.dcm'));
    execFileSync('mkfifo', [path.join(odd, 'pipe.dcm')]);

    const rleFolder = path.join(corpus.root, 'good', 'rle');
    const result = await indexPaths([odd, rleFolder, rleFolder], { registry: new FileRegistry() });
    const reported = reportedPaths(result);
    expect(new Set(reported).size).toBe(reported.length);
    expect(result.fileCount).toBe(reported.length);
    const byPath = new Map(result.errors.map((e) => [path.basename(e.path), e]));
    expect(byPath.get('broken-link.dcm')?.code).toBe('unreadable');
    expect(byPath.get('pipe.dcm')?.code).toBe('unreadable');
    expect(byPath.get('pipe.dcm')?.reason).toContain('FIFO');
    // The linked RLE slice is one of the three real ones: indexed once, under the link found first.
    expect(allInstances(result)).toHaveLength(3);
    expect(allInstances(result).map((i) => path.basename(i.path)).sort()).toEqual(['linked.dcm', 'slice-002.dcm', 'slice-003.dcm']);
  });

  it('reports a path that does not exist as unreadable', async () => {
    const missing = path.join(workDir, 'does-not-exist');
    const result = await indexPaths([missing], { registry: new FileRegistry() });
    expect(result.errors).toEqual([{ path: missing, code: 'unreadable', reason: 'cannot access: not found' }]);
    expect(result.fileCount).toBe(1);
  });

  it('counts the total while walking, then reports progress up to it', async () => {
    const calls: Array<[number, number]> = [];
    await indexPaths([corpus.root], { registry: new FileRegistry(), onProgress: (p, t) => calls.push([p, t]) });
    const total = corpus.expected.size;
    // While walking: 0 of a total that grows by one per file found.
    const walking = calls.slice(0, total);
    expect(walking).toEqual(walking.map((_, i) => [0, i + 1]));
    // Then 0 of the total once the walk is done, and one step per file inspected.
    const inspecting = calls.slice(total);
    expect(inspecting).toEqual(Array.from({ length: total + 1 }, (_, i) => [i, total]));
  });

  it('rejects with an AbortError when cancelled mid-way, and at once when already aborted', async () => {
    const controller = new AbortController();
    let seen = 0;
    const running = indexPaths([corpus.root], {
      registry: new FileRegistry(),
      signal: controller.signal,
      concurrency: 1,
      onProgress: (processed) => {
        seen = processed;
        if (processed === 2) controller.abort();
      },
    });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBeLessThan(corpus.expected.size);

    await expect(indexPaths([corpus.root], { registry: new FileRegistry(), signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
