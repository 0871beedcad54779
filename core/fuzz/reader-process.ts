/**
 * Runs reader jobs in a child process, one at a time, within a time limit and an RSS limit. A job
 * that crashes the child, runs past the time limit or pushes the child's RSS over the limit gets
 * that as its result, and the next job gets a fresh child.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../config/data-dir';
import type { ChildJob, ChildReply } from './child';
import type { ReaderName } from './readers';

export type JobResult =
  | { kind: 'outcome'; code: string; reason?: string; ms: number; maxRssMb: number }
  | { kind: 'crash'; detail: string; ms: number }
  | { kind: 'hang'; ms: number }
  | { kind: 'rss'; rssMb: number; ms: number };

export interface LimitOptions {
  timeLimitMs: number;
  rssLimitMb: number;
}

const childEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.ts');
/** How often the child's RSS is sampled while a job runs (the child's own high-water mark catches shorter peaks). */
const RSS_POLL_MS = 20;
const STDERR_KEPT = 2000;

/** Current RSS of a process in MiB from /proc (Linux); null where it cannot be read. */
function rssMbOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export class ReaderProcess {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private stderrTail = '';
  private nextId = 1;
  /** Highest RSS (MiB) any child reached, over the whole run. */
  maxRssMb = 0;
  /** Children started (1 + one per crash, hang or RSS overrun). */
  started = 0;

  constructor(private readonly limits: LimitOptions) {}

  private start(): Promise<void> {
    this.stderrTail = '';
    this.started++;
    const child = fork(childEntry, [], {
      cwd: projectRoot,
      // The V8 heap may not outgrow the RSS limit either: an out-of-memory death shows as a crash.
      execArgv: ['--import', 'tsx', `--max-old-space-size=${Math.max(256, this.limits.rssLimitMb)}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if (m && typeof m === 'object' && 'ready' in m) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null): void =>
        reject(new Error(`fuzz reader process exited before it was ready (code ${code}, signal ${signal}): ${this.stderrTail.trim()}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return this.ready;
  }

  private async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.ready = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** `timeLimitMs`: this job's own limit, instead of the process's. */
  async run(reader: ReaderName, filePath: string, timeLimitMs = this.limits.timeLimitMs): Promise<JobResult> {
    if (!this.child) await this.start();
    else await this.ready;
    const child = this.child!;
    const job: ChildJob = { id: this.nextId++, reader, path: filePath };
    const started = performance.now();
    const result = await new Promise<JobResult>((resolve) => {
      const elapsed = (): number => performance.now() - started;
      const finish = (r: JobResult): void => {
        clearTimeout(timer);
        clearInterval(poll);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: ChildReply): void => {
        if (m.id !== job.id) return;
        const maxRssMb = m.maxRssKb / 1024;
        this.maxRssMb = Math.max(this.maxRssMb, maxRssMb);
        if (maxRssMb > this.limits.rssLimitMb) finish({ kind: 'rss', rssMb: maxRssMb, ms: m.ms });
        else finish({ kind: 'outcome', code: m.code, ...(m.reason !== undefined ? { reason: m.reason } : {}), ms: m.ms, maxRssMb });
      };
      const onExit = (code: number | null, signal: string | null): void => {
        // Give stderr a moment to drain so the crash names its cause.
        setTimeout(() => finish({ kind: 'crash', detail: `exit code ${code}, signal ${signal}: ${this.stderrTail.trim().slice(-600)}`, ms: elapsed() }), 20);
      };
      const timer = setTimeout(() => finish({ kind: 'hang', ms: elapsed() }), timeLimitMs);
      const poll = setInterval(() => {
        const rss = child.pid ? rssMbOf(child.pid) : null;
        if (rss === null) return;
        this.maxRssMb = Math.max(this.maxRssMb, rss);
        if (rss > this.limits.rssLimitMb) finish({ kind: 'rss', rssMb: rss, ms: elapsed() });
      }, RSS_POLL_MS);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(job);
    });
    if (result.kind !== 'outcome') await this.stop();
    return result;
  }

  close(): Promise<void> {
    return this.stop();
  }
}
