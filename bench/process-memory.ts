// Resident memory of process trees, read from /proc (Linux only), for the memory benches.
// RSS counts every shared page (libraries, shared memory between Chromium's processes) once per process,
// so a tree's RSS sum is an upper bound; PSS splits each shared page among its sharers, so a tree's PSS
// sum is the honest figure of what the tree costs. PSS needs /proc/<pid>/smaps_rollup (Linux ≥ 4.14, and
// readable: our own processes are).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessMemory {
  pid: number;
  /** Chromium's --type= (renderer, gpu-process, utility, zygote …), 'browser' for Chromium's main process, or the command's name. */
  kind: string;
  rssMiB: number;
  /** null where smaps_rollup could not be read. */
  pssMiB: number | null;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  rssMiB: number;
  /** Sum of the PSS that could be read; `pssComplete` says whether every process's could. */
  pssMiB: number;
  pssComplete: boolean;
}

const kib = (text: string, field: string): number | null => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : null;
};

/** Every live process's parent, from /proc/<pid>/status. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'latin1'));
      if (ppid) parentOf.set(Number(entry), Number(ppid[1]));
    } catch {
      // It ended between the listing and the read.
    }
  }
  return parentOf;
}

/** `rootPid` and every process below it. */
export function processTree(rootPid: number): number[] {
  const parentOf = parents();
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf.get(p)) if (p === rootPid) return true;
    return false;
  };
  return [...parentOf.keys()].filter(inTree);
}

function processMemory(pid: number): ProcessMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null; // Ended meanwhile: it holds nothing now.
  }
  const rss = kib(status, 'VmRSS');
  if (rss === null) return null; // A kernel thread or a zombie: no memory of its own.
  let pss: number | null = null;
  try {
    pss = kib(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'), 'Pss');
  } catch {
    // Not readable here: RSS only.
  }
  let kind = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
    if (type) kind = type;
    else if (/chrom/i.test(cmdline.split('\0')[0] ?? '')) kind = 'browser';
  } catch {
    // Keep the status name.
  }
  return { pid, kind, rssMiB: rss / 1024, pssMiB: pss === null ? null : pss / 1024 };
}

/** The memory of the given processes (those that ended meanwhile are left out). */
export function memoryOf(pids: Iterable<number>): TreeMemory {
  const processes = [...pids].map(processMemory).filter((p): p is ProcessMemory => p !== null);
  return {
    processes,
    rssMiB: processes.reduce((sum, p) => sum + p.rssMiB, 0),
    pssMiB: processes.reduce((sum, p) => sum + (p.pssMiB ?? 0), 0),
    pssComplete: processes.every((p) => p.pssMiB !== null),
  };
}

/** Sums by kind ('renderer' → MiB), PSS where read, else RSS. */
export function byKind(tree: TreeMemory): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of tree.processes) sums.set(p.kind, (sums.get(p.kind) ?? 0) + (p.pssMiB ?? p.rssMiB));
  return sums;
}
