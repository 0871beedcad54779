// Durability: SIGKILL at random moments, a full disk, a read-only home, two processes on one home.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackBits } from '../annotations/bits';
import { PendingSaves } from '../annotations/pending-saves';
import type { SegmentationContent } from '../annotations/model';
import { AnnotationStore, type SegmentationRecord, type StoreResult } from './annotation-store';
import { editForSeed, tempHome, twoSegmentContent } from './test-helpers';

const SERIES = '1.2.826.0.1.3680043.8.498.77';
const SHAPE = [32, 32, 8] as const;
const repoNodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
const isRoot = process.getuid?.() === 0;

let bundleDir = '';
let bundle = '';
const homes: { remove: () => void }[] = [];

beforeAll(async () => {
  // One esbuild bundle per run: 100+ children started with plain node, not tsx (seconds saved per start).
  bundleDir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-durability-'));
  chmodSync(bundleDir, 0o755); // readable by the unprivileged child of the read-only-home test
  bundle = path.join(bundleDir, 'child.cjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./durability-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: bundle,
    logLevel: 'error',
  });
  chmodSync(bundle, 0o644);
});
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  for (const h of homes.splice(0)) h.remove();
});

function newHome(): string {
  const home = tempHome('vesalius-durable-home-');
  homes.push(home);
  return home.dir;
}

/** Starts the bundled child; `asNobody` drops to uid/gid 65534 (root ignores file modes, so chmod alone cannot refuse it). */
function startChild(args: string[], asNobody = false): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp, ms?: number) => Promise<string> } {
  const command = asNobody ? 'setpriv' : process.execPath;
  const argv = asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bundle, ...args] : [bundle, ...args];
  const child = spawn(command, argv, { env: { ...process.env, NODE_PATH: repoNodeModules }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!; // an unfinished line is no acknowledgement
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waitFor = (re: RegExp, ms = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`child did not print ${re} within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`)), ms);
      waiters.push({ re, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  return { child, lines, waitFor };
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function value<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

function createSegmentation(file: string): SegmentationRecord {
  const store = AnnotationStore.open(file);
  const record = value(store.create({ seriesKey: SERIES, name: 'durable', provenance: { role: 'annotator', author: 'test', origin: { kind: 'drawn' } }, content: twoSegmentContent(SHAPE) }));
  store.close();
  return record;
}

/** Checks that each acknowledged (version, seed) is in the store with its slice, and that the file passes integrity_check. */
function checkAcknowledged(file: string, id: string, acks: { version: number; seed: number }[]): void {
  const store = AnnotationStore.open(file);
  try {
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const head = value(store.get(id)).head.number;
    for (const { version, seed } of acks) {
      expect(version).toBeLessThanOrEqual(head);
      const edit = editForSeed(seed, SHAPE);
      const slice = value(store.load(id, version)).content.masks.get(edit.segment)!.subarray(edit.z * SHAPE[0] * SHAPE[1], (edit.z + 1) * SHAPE[0] * SHAPE[1]);
      expect(Buffer.from(slice).equals(Buffer.from(unpackBits(edit.bits, SHAPE[0] * SHAPE[1]))), `version ${version} (seed ${seed}) lost its edit`).toBe(true);
    }
  } finally {
    store.close();
  }
}

const acksOf = (lines: string[]) =>
  lines.filter((l) => l.startsWith('ack ')).map((l) => {
    const [, version, seed] = l.split(' ');
    return { version: Number(version), seed: Number(seed) };
  });

describe('durability: SIGKILL', () => {
  it('kills an editing process at random moments 120 times: every acknowledged edit survives and integrity_check is ok', async () => {
    const file = path.join(newHome(), 'annotations.db');
    const { id } = createSegmentation(file);
    let state = Date.now() >>> 0;
    console.log(`SIGKILL trials: random seed ${state}`);
    const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    let totalAcks = 0;
    let trialsWithAcks = 0;
    for (let trial = 0; trial < 120; trial++) {
      const { child, lines, waitFor } = startChild(['edit', file, id, String(trial * 100_000 + 1)]);
      // Half the kills land anywhere from start-up (opening, migrating) on; half while it is busy committing.
      if (trial % 2 === 0) await sleep(random() * 250);
      else {
        await waitFor(/^ack /);
        await sleep(random() * 40);
      }
      child.kill('SIGKILL');
      await exited(child);
      const acks = acksOf(lines);
      totalAcks += acks.length;
      if (acks.length > 0) trialsWithAcks++;
      checkAcknowledged(file, id, acks);
    }
    console.log(`SIGKILL trials: 120 kills, ${totalAcks} acknowledged edits checked, ${trialsWithAcks} trials killed mid-editing`);
    expect(trialsWithAcks).toBeGreaterThanOrEqual(60);
  }, 120_000);
});

/** True where this process may mount a tmpfs (root in a permissive container); probed once. */
function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Saves a whole new volume through PendingSaves; returns the queue and the acknowledgement. */
function pendingWholeSave(store: () => AnnotationStore, id: string, content: SegmentationContent) {
  const saves = new PendingSaves<SegmentationContent, number>(
    async (c) => {
      const saved = store().saveContent(id, c, { expectedHead: 1, author: 'test' });
      return saved.ok ? { ok: true, value: saved.value.head.number } : saved;
    },
    { setTimer: () => null, clearTimer: () => {} },
  );
  return { saves, acknowledged: saves.save(content) };
}

const canMountProbe = (() => {
  if (!isRoot) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'vesalius-mount-probe-'));
  const ok = tryMountTmpfs(probe, '1m');
  if (ok) execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return ok;
})();

describe('durability: full disk and read-only home', () => {
  it(`a full disk (injected with PRAGMA max_page_count: a real SQLITE_FULL${canMountProbe ? '' : '; no tmpfs test: mount is not permitted here'}) gives an error naming the file, keeps the edit and a retry saves it`, async () => {
    const file = path.join(newHome(), 'annotations.db');
    const { id } = createSegmentation(file);
    const store = AnnotationStore.open(file);
    const content = twoSegmentContent(SHAPE, 4242);
    store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
    const { saves, acknowledged } = pendingWholeSave(() => store, id, content);
    await sleep(0);
    expect(saves.state).toMatchObject({ state: 'error', pending: 1 });
    const message = saves.state.state === 'error' ? saves.state.message : '';
    expect(message).toContain(file);
    expect(message).toMatch(/could not save segmentation seg-[0-9a-f]+: the disk is full \(SQLITE_FULL\)/);
    expect(saves.pending).toEqual([content]); // still in memory
    expect(value(store.get(id)).versionCount).toBe(1);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');

    store.db.pragma('max_page_count = 1073741823'); // space is back
    await saves.retryNow();
    expect(await acknowledged).toBe(2);
    expect(value(store.load(id)).content.masks).toEqual(content.masks);
    store.close();
  });

  it.runIf(canMountProbe)('a full tmpfs (a real ENOSPC) gives an error naming the file, keeps the edit and a retry saves it once space is freed', async () => {
    const mountPoint = newHome();
    expect(tryMountTmpfs(mountPoint, '4m')).toBe(true);
    let store: AnnotationStore | null = null;
    try {
      const file = path.join(mountPoint, 'annotations.db');
      const { id } = createSegmentation(file);
      store = AnnotationStore.open(file);
      // Fill what is left of the disk.
      const filler = path.join(mountPoint, 'filler');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let size = 0;
      try {
        for (;;) {
          writeFileSync(filler, chunk, { flag: size === 0 ? 'w' : 'a' });
          size += chunk.length;
        }
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const { saves, acknowledged } = pendingWholeSave(() => store!, id, twoSegmentContent(SHAPE, 7));
      await sleep(0);
      expect(saves.state.state).toBe('error');
      const message = saves.state.state === 'error' ? saves.state.message : '';
      expect(message).toContain(file);
      expect(message).toMatch(/the disk is full \(SQLITE_FULL\)/);
      rmSync(filler);
      await saves.retryNow();
      expect(await acknowledged).toBe(2);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store?.close();
      execFileSync('umount', [mountPoint]);
    }
  });

  it(`a read-only home (${isRoot ? 'the child runs as uid nobody via setpriv: root ignores file modes' : 'chmod'}) gives an error naming the file, keeps the edit and a retry saves it once permission is back`, async () => {
    const home = newHome();
    const file = path.join(home, 'annotations.db');
    const { id } = createSegmentation(file);
    chmodSync(home, 0o755);
    if (!isRoot) {
      chmodSync(home, 0o555);
      chmodSync(file, 0o444);
    }
    const { child, lines, waitFor } = startChild(['pending', file, id], isRoot);
    try {
      await waitFor(/^ready$/);
      child.stdin!.write('edit 5\n');
      const error = await waitFor(/^error /);
      expect(error).toContain(file);
      expect(error).toMatch(/read-only|cannot be opened|permission denied/);
      expect(error).toMatch(/^error 1 /); // one edit pending, in memory
      expect(lines.some((l) => l.startsWith('saved'))).toBe(false);

      // Permission back.
      if (isRoot) for (const name of [home, ...readdirSync(home).map((n) => path.join(home, n))]) chownSync(name, 65534, 65534);
      else {
        chmodSync(home, 0o755);
        chmodSync(file, 0o644);
      }
      child.stdin!.write('retry\n');
      expect(await waitFor(/^saved /)).toBe('saved 2 5');
      child.stdin!.write('quit\n');
      await exited(child);
      checkAcknowledged(file, id, [{ version: 2, seed: 5 }]);
      console.log(`read-only home: ${error}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('durability: two processes on one home', () => {
  it('two writers on the same segmentation: nothing lost, no corruption, stale parents get conflicts', async () => {
    const file = path.join(newHome(), 'annotations.db');
    const { id } = createSegmentation(file);
    const a = startChild(['writer', file, id, '40', '1000']);
    const b = startChild(['writer', file, id, '40', '2000']);
    await Promise.all([a.waitFor(/^done$/, 60_000), b.waitFor(/^done$/, 60_000)]);
    await Promise.all([exited(a.child), exited(b.child)]);
    const acks = [...acksOf(a.lines), ...acksOf(b.lines)];
    expect(acks).toHaveLength(80);
    expect(new Set(acks.map((x) => x.version)).size).toBe(80); // no version written twice
    checkAcknowledged(file, id, acks);
    const conflicts = [...a.lines, ...b.lines].filter((l) => l === 'conflict').length;
    console.log(`two writers: 80 edits saved, ${conflicts} stale-parent saves refused as conflicts and redone`);

    const store = AnnotationStore.open(file);
    expect(value(store.get(id)).versionCount).toBe(81);
    const stale = store.saveEdits(id, [editForSeed(9, SHAPE)], { expectedHead: 40, author: 'stale window' });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/made on version 40, but version 81 was saved since/) });
    store.close();
  }, 90_000);
});
