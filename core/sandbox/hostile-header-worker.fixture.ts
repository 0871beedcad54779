// Test-only reader thread: the real reader tasks, except that a batch of headers holding a file
// named "kills-the-reader…" ends the thread, and one holding "hangs-the-reader…" never answers,
// the ways a header parser with a fatal bug would fail on that file.
import path from 'node:path';
import { readerTasks, type ReaderTaskArgs } from './reader-tasks';
import { serveTasks } from './serve-tasks';

serveTasks({
  ...readerTasks,
  indexHeaders: (args: ReaderTaskArgs['indexHeaders']) => {
    const names = args.paths.map((p) => path.basename(p));
    if (names.some((n) => n.startsWith('kills-the-reader'))) process.exit(70);
    if (names.some((n) => n.startsWith('hangs-the-reader'))) for (;;); // only terminate() stops it
    return readerTasks.indexHeaders(args);
  },
});
