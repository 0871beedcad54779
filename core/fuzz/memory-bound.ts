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
