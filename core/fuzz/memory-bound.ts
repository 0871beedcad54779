import { expect } from 'vitest';

/**
 * For tests: runs `run` and checks that the process's peak RSS rose less than `limitMiB` above its
 * RSS before. The peak is the process's high-water mark, so a test using it runs first in its file.
 */
export async function withinMemory<T>(limitMiB: number, run: () => Promise<T>): Promise<T> {
  const before = process.memoryUsage().rss;
  const result = await run();
  expect((process.resourceUsage().maxRSS * 1024 - before) / 2 ** 20).toBeLessThan(limitMiB);
  return result;
}

/**
 * For tests: CPU milliseconds (user + system, every thread of the process) spent since `before`
 * (a `process.cpuUsage()`). Work bounds are checked on CPU time, not wall time, so a busy machine
 * cannot fail them while an unbounded inflate or loop still would.
 */
export function cpuMsSince(before: NodeJS.CpuUsage): number {
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1000;
}
