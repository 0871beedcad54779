/**
 * The fuzz run's reader process: the parent sends one job at a time over IPC; this runs the reader
 * and answers with the outcome, the time taken and its peak RSS so far. It is a separate process so
 * that a crash, an out-of-memory or a hang is observed by the parent, not suffered by it.
 */
import { runReader, type ReaderName } from './readers';

export interface ChildJob {
  id: number;
  reader: ReaderName;
  path: string;
}

export interface ChildReply {
  id: number;
  code: string;
  reason?: string;
  ms: number;
  /** process.resourceUsage().maxRSS after the job, in KiB (a high-water mark for this process). */
  maxRssKb: number;
}

process.on('message', (message: ChildJob) => {
  void (async () => {
    const started = performance.now();
    const outcome = await runReader(message.reader, message.path);
    const reply: ChildReply = { id: message.id, ...outcome, ms: performance.now() - started, maxRssKb: process.resourceUsage().maxRSS };
    process.send?.(reply);
  })();
});
process.send?.({ ready: true });
