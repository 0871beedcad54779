// Test-only reader thread: the real reader tasks plus tasks that misbehave the ways a reader can
// (hang, exit, throw outside any promise, fill its heap), so the pool's limits are tested for real.
import { readerTasks } from './reader-tasks';
import { serveTasks } from './serve-tasks';

serveTasks({
  ...readerTasks,
  hang: () => {
    for (;;); // a synchronous loop: only terminate() stops it
  },
  exit: ({ code }: { code: number }) => process.exit(code),
  throwOutside: () =>
    new Promise(() => {
      setTimeout(() => {
        throw new Error('thrown outside any task promise');
      }, 0);
    }),
  fillHeap: () => {
    const kept: number[][] = [];
    for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i + 0.5));
  },
  echo: (value: unknown) => value,
});
