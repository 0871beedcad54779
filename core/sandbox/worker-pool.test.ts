import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MaskReadError } from '../masks/mask-error';
import { SandboxFailure, WorkerPool, type WorkerPoolOptions } from './worker-pool';

// Real threads running a test-only entry whose tasks hang, exit, throw outside any promise or fill their heap.
const hostileEntry = fileURLToPath(new URL('./hostile-worker.fixture.ts', import.meta.url));
const brokenEntry = fileURLToPath(new URL('./broken-worker.fixture.ts', import.meta.url));
const slowStartEntry = fileURLToPath(new URL('./slow-start-worker.fixture.ts', import.meta.url));

const pools: WorkerPool[] = [];
const poolOf = (options: Partial<WorkerPoolOptions> = {}): WorkerPool => {
  const pool = new WorkerPool({ entry: hostileEntry, size: 1, timeoutMs: 20_000, ...options });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** The task's rejection (fails the test if it resolves) and how long it took. */
async function failureOf(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => {
      throw new Error('the task was expected to fail');
    },
    (e: unknown) => e as Error,
  );
  return { error, ms: Date.now() - started };
}

describe('WorkerPool limits', () => {
  it('stops a task that hangs at its time limit, says so, and runs the next task on a fresh thread', async () => {
    const pool = poolOf();
    expect(await pool.run('echo', 'warm-up')).toBe('warm-up'); // thread start-up is not part of the limit below
    const { error, ms } = await failureOf(pool.run('hang', {}, { timeoutMs: 1500 }));
    expect(error).toBeInstanceOf(SandboxFailure);
    expect((error as SandboxFailure).kind).toBe('timeout');
    expect(error.message).toBe('reading stopped after 1.5 s (the time limit for one file)');
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(6000);
    expect(await pool.run('echo', { after: 'hang' })).toEqual({ after: 'hang' });
    expect(pool.starts).toBe(2);
  });

  it('states a whole-second limit in seconds', async () => {
    const pool = poolOf({ timeoutMs: 1000 });
    expect((await failureOf(pool.run('hang', {}))).error.message).toBe('reading stopped after 1 s (the time limit for one file)');
  });

  it("does not count a thread's start-up against the first file's time limit", async () => {
    const pool = poolOf({ entry: slowStartEntry, timeoutMs: 500 });
    expect(await pool.run('echo', 'first')).toBe('first');
    expect(pool.starts).toBe(1);
  });

  it('fails only the task whose thread exits, and the next task is served', async () => {
    const pool = poolOf();
    const { error } = await failureOf(pool.run('exit', { code: 3 }));
    expect(error).toBeInstanceOf(SandboxFailure);
    expect(error.message).toBe('the reader stopped while reading this file (its thread exited with code 3)');
    expect(await pool.run('echo', 1)).toBe(1);
  });

  it('fails only the task whose thread throws outside any promise', async () => {
    const pool = poolOf();
    const { error } = await failureOf(pool.run('throwOutside', {}));
    expect((error as SandboxFailure).kind).toBe('crash');
    expect(error.message).toBe('the reader failed unexpectedly (Error: thrown outside any task promise)');
    expect(await pool.run('echo', 2)).toBe(2);
  });

  it('stops a task that fills its heap at the memory limit, names the limit, and the next task is served', async () => {
    const pool = poolOf({ memoryLimitMb: 64 });
    const { error, ms } = await failureOf(pool.run('fillHeap', {}));
    expect((error as SandboxFailure).kind).toBe('memory');
    expect(error.message).toBe("reading ran out of the reader's 64 MiB memory limit");
    expect(ms).toBeLessThan(20_000);
    expect(await pool.run('echo', 3)).toBe(3);
  });

  it('states the default memory limit as the brief does (2,560 MiB)', () => {
    expect(poolOf().memoryLimitText).toBe('2,560 MiB');
  });

  it('keeps serving on the other thread while one task hangs', async () => {
    const pool = poolOf({ size: 2 });
    await Promise.all([pool.run('echo', 'a'), pool.run('echo', 'b')]); // both threads started
    const hanging = failureOf(pool.run('hang', {}, { timeoutMs: 4000 }));
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await pool.run('echo', i));
    expect(answers).toEqual([0, 1, 2, 3, 4]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await hanging).error.message).toBe('reading stopped after 4 s (the time limit for one file)');
  });

  it('brings back the error a task threw with its class and fields', async () => {
    const pool = poolOf();
    const { error } = await failureOf(pool.run('readMask', { filePath: '/nonexistent/vesalius/mask.png' }));
    expect(error).toBeInstanceOf(MaskReadError);
    expect((error as MaskReadError).filePath).toBe('/nonexistent/vesalius/mask.png');
    expect((error as MaskReadError).reason).toBe('not found');
    expect(error.message).toBe('/nonexistent/vesalius/mask.png: not found');
    expect((await failureOf(pool.run('noSuchTask', {}))).error.message).toBe('the reader has no task "noSuchTask"');
  });

  it('transfers typed arrays back with their type and values', async () => {
    const pool = poolOf();
    const sent = { labels: new Uint16Array([1, 2, 65535]), floats: new Float32Array([0.5]), nested: new Map([[1, { data: new Int8Array([-1]) }]]) };
    expect(await pool.run('echo', sent)).toEqual(sent);
  });

  it('fails each task with the reason when the entry itself throws while loading, and still closes', async () => {
    const pool = poolOf({ entry: brokenEntry });
    for (let i = 0; i < 2; i++) {
      const { error } = await failureOf(pool.run('echo', i));
      expect(error.message).toBe('the reader failed unexpectedly (Error: the entry module failed while loading)');
    }
    await pool.close();
  });

  it('close() fails the running and the queued tasks as closed, and refuses new ones', async () => {
    const pool = poolOf();
    await pool.run('echo', 0);
    const running = failureOf(pool.run('hang', {}));
    const queued = failureOf(pool.run('echo', 1));
    await pool.close();
    for (const outcome of [await running, await queued]) expect((outcome.error as SandboxFailure).kind).toBe('closed');
    expect((await failureOf(pool.run('echo', 2))).error.message).toBe('the reader sandbox was closed');
  });
});
