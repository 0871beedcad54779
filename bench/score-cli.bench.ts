// `vesalius score` end to end (process start, reading two NIfTI files, scoring, JSON out) on two
// 512×512×500 label volumes, against a numpy script doing the least equivalent work (read both
// files, parse the header with struct, np.frombuffer, per-label IoU from one np.bincount of
// truth*K+pred) and a bare `cat a b > /dev/null` as the floor, side by side in the same run. Four
// variants: uint8 and int16 (labels 0..5 either way), .nii and .nii.gz. Also timed: node starting an
// empty script (the start-up floor for ours) and our CLI run from the TypeScript sources through tsx
// (what the prebuilt bundle saves). VESALIUS_BENCH_BASELINE_CLI=<other checkout>/bin/vesalius adds
// another build of ours, e.g. the commit before a change.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { niftiFile, type NiftiDatatype } from '../core/masks/mask-fixtures';
import { seededRandom } from '../core/metrics/test-volumes';

const SHAPE = [512, 512, 500] as const;
const LABELS = 5;
const ROUNDS = Math.max(3, Number(process.env.VESALIUS_BENCH_ROUNDS) || 3);
const TARGET_VS_NUMPY = 3;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'vesalius');

const NUMPY_SCRIPT = `
import gzip, json, struct, sys
import numpy as np
TYPES = {2: np.uint8, 256: np.int8, 4: np.int16, 512: np.uint16, 8: np.int32, 768: np.uint32, 16: np.float32, 64: np.float64}
def read(p):
    with open(p, 'rb') as f:
        raw = f.read()
    if raw[:2] == b'\\x1f\\x8b':
        raw = gzip.decompress(raw)
    e = '<' if struct.unpack('<i', raw[:4])[0] == 348 else '>'
    dims = struct.unpack(e + '8h', raw[40:56])
    code = struct.unpack(e + 'h', raw[70:72])[0]
    offset = int(struct.unpack(e + 'f', raw[108:112])[0])
    return np.frombuffer(raw, dtype=np.dtype(TYPES[code]).newbyteorder(e), count=dims[1] * dims[2] * dims[3], offset=offset)
t = read(sys.argv[1]); p = read(sys.argv[2])
lo = int(min(t.min(), p.min())); k = int(max(t.max(), p.max())) - lo + 1
h = np.bincount((t.astype(np.int64) - lo) * k + (p.astype(np.int64) - lo), minlength=k * k).reshape(k, k)
tp = np.diag(h); tc = h.sum(1); pc = h.sum(0)
print(json.dumps({str(i + lo): {'iou': float(tp[i] / (tc[i] + pc[i] - tp[i])), 'tp': int(tp[i])}
                  for i in range(k) if i + lo != 0 and tc[i] + pc[i] > 0}))
`;

/** Ellipsoid blobs of labels 1..LABELS; the prediction has each blob shifted and resized, plus speckle. */
function makeLabelPair(): { truth: Uint8Array; pred: Uint8Array } {
  const random = seededRandom(20261201);
  const [w, h, d] = SHAPE;
  const truth = new Uint8Array(w * h * d);
  const pred = new Uint8Array(w * h * d);
  const paint = (data: Uint8Array, label: number, c: number[], r: number[]): void => {
    for (let z = Math.max(0, Math.ceil(c[2] - r[2])); z <= Math.min(d - 1, Math.floor(c[2] + r[2])); z++) {
      for (let y = Math.max(0, Math.ceil(c[1] - r[1])); y <= Math.min(h - 1, Math.floor(c[1] + r[1])); y++) {
        const row = (z * h + y) * w;
        for (let x = Math.max(0, Math.ceil(c[0] - r[0])); x <= Math.min(w - 1, Math.floor(c[0] + r[0])); x++) {
          if (((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1) data[row + x] = label;
        }
      }
    }
  };
  for (let label = 1; label <= LABELS; label++) {
    for (let b = 0; b < 3; b++) {
      const center = [40 + random() * (w - 80), 40 + random() * (h - 80), 40 + random() * (d - 80)];
      const radii = [15 + random() * 45, 15 + random() * 45, 10 + random() * 40];
      paint(truth, label, center, radii);
      paint(
        pred,
        label,
        center.map((c) => c + (random() - 0.5) * 8),
        radii.map((r) => r * (0.85 + random() * 0.3)),
      );
    }
  }
  for (let i = Math.floor(pred.length * 0.0005); i > 0; i--) pred[Math.floor(random() * pred.length)] = 1 + Math.floor(random() * LABELS);
  return { truth, pred };
}

interface Variant {
  name: string;
  truth: string;
  pred: string;
}

async function writeVariants(dir: string): Promise<Variant[]> {
  const { truth, pred } = makeLabelPair();
  const variants: Variant[] = [];
  for (const datatype of ['uint8', 'int16'] as NiftiDatatype[]) {
    for (const gzip of [false, true]) {
      const ext = gzip ? '.nii.gz' : '.nii';
      const v = { name: `${datatype}${ext}`, truth: path.join(dir, `truth-${datatype}${ext}`), pred: path.join(dir, `pred-${datatype}${ext}`) };
      await writeFile(v.truth, niftiFile({ shape: [...SHAPE], values: truth, datatype, gzip, spacingMm: [0.8, 0.8, 1.5] }));
      await writeFile(v.pred, niftiFile({ shape: [...SHAPE], values: pred, datatype, gzip, spacingMm: [0.8, 0.8, 1.5] }));
      variants.push(v);
    }
  }
  return variants;
}

/** A python3 that imports numpy, or why there is none. */
function findNumpyPython(): { python: string } | { reason: string } {
  const candidates = [process.env.VESALIUS_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return { python };
  }
  return { reason: `none of ${candidates.join(', ')} imports numpy (set VESALIUS_BENCH_PYTHON)` };
}

interface Contender {
  label: string;
  command: string;
  args: (v: Variant) => string[];
  env?: NodeJS.ProcessEnv;
  /** Checks the output; returns per-label IoU when the contender reports them. */
  check?: (stdout: string, v: Variant) => Map<string, number>;
}

/** Clock ticks per second of /proc's times (getconf CLK_TCK; 100 on Linux in practice). */
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU time (user + system, ms) of this process's waited-for children so far, from /proc/self/stat
 * (cutime, cstime), or null off Linux. Other people's load on a shared machine inflates it far less
 * than wall time.
 */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5); the slice starts at field 3.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}

function run1(c: Contender, v: Variant): { ms: number; cpuMs: number | null; stdout: string } {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const r = spawnSync(c.command, c.args(v), { env: { ...process.env, ...c.env }, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', c.check ? 'pipe' : 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  const cpuAfter = childrenCpuMs();
  if (r.status !== 0) throw new Error(`${c.label} on ${v.name} exited ${r.status}: ${r.stderr || r.error?.message}`);
  return { ms, cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, stdout: r.stdout ?? '' };
}

const oursIous = (stdout: string): Map<string, number> => {
  const labels = (JSON.parse(stdout) as { cases: { labels: Record<string, { iou: number }> }[] }).cases[0].labels;
  return new Map(Object.entries(labels).map(([label, l]) => [label, l.iou]));
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function run(): Promise<void> {
  // The bundle bin/vesalius runs when fresh: build it, so this measures what `npm run build` ships.
  const built = spawnSync(process.execPath, [path.join(root, 'build', 'cli.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build/cli.mjs failed: ${built.stderr}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'vesalius-score-bench-'));
  try {
    const generationStart = performance.now();
    const variants = await writeVariants(dir);
    console.log(`volumes: ${SHAPE.join('×')}, labels 0..${LABELS}, 4 files pairs written in ${((performance.now() - generationStart) / 1000).toFixed(1)} s`);

    const contenders: Contender[] = [
      // The bundle just built, even should someone edit a source meanwhile (bin/vesalius would then run the sources).
      { label: 'vesalius score --json', command: cli, args: (v) => ['score', '--truth', v.truth, '--pred', v.pred, '--json'], env: { VESALIUS_CLI: 'bundle' }, check: oursIous },
      { label: 'same, from sources (tsx)', command: cli, args: (v) => ['score', '--truth', v.truth, '--pred', v.pred, '--json'], env: { VESALIUS_CLI: 'sources' } },
      { label: 'node, empty script', command: process.execPath, args: () => ['-e', '0'] },
      { label: 'cat a b > /dev/null', command: 'cat', args: (v) => [v.truth, v.pred] },
    ];
    // Another checkout's bin/vesalius (say, the commit before a change) as one more contender.
    const baselineCli = process.env.VESALIUS_BENCH_BASELINE_CLI;
    if (baselineCli) contenders.push({ label: `baseline ${path.basename(path.resolve(baselineCli, '..', '..'))}`, command: baselineCli, args: contenders[0].args });
    const numpy = findNumpyPython();
    const numpyScript = path.join(dir, 'score.py');
    await writeFile(numpyScript, NUMPY_SCRIPT);
    if ('python' in numpy) {
      contenders.push({
        label: 'numpy script',
        command: numpy.python,
        args: (v) => [numpyScript, v.truth, v.pred],
        check: (stdout) => new Map(Object.entries(JSON.parse(stdout) as Record<string, { iou: number }>).map(([label, l]) => [label, l.iou])),
      });
    } else console.log(`numpy contender skipped: ${numpy.reason}`);

    console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)}; ${ROUNDS} rounds, contenders interleaved, medians`);
    for (const v of variants) {
      const times = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
      const cpuTimes = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order each round so no contender always runs right after another's page-cache traffic.
        for (let k = 0; k < contenders.length; k++) {
          const c = contenders[(k + round) % contenders.length];
          const { ms, cpuMs } = run1(c, v);
          times.get(c.label)!.push(ms);
          if (cpuMs !== null) cpuTimes.get(c.label)!.push(cpuMs);
        }
      }
      // Same answer first: both must report the same IoU for every label.
      const ours = oursIous(run1(contenders[0], v).stdout);
      const numpyContender = contenders.find((c) => c.label === 'numpy script');
      if (numpyContender) {
        const theirs = numpyContender.check!(run1(numpyContender, v).stdout, v);
        for (const [label, iou] of theirs) {
          if (Math.abs((ours.get(label) ?? NaN) - iou) > 1e-12) throw new Error(`${v.name} label ${label}: vesalius IoU ${ours.get(label)} ≠ numpy ${iou}`);
        }
        if (theirs.size !== ours.size) throw new Error(`${v.name}: vesalius scored ${ours.size} labels, numpy ${theirs.size}`);
      }
      const med = new Map([...times].map(([label, xs]) => [label, median(xs)]));
      const cpuMed = new Map([...cpuTimes].map(([label, xs]) => [label, xs.length ? median(xs) : NaN]));
      const oursLabel = contenders[0].label;
      const [oursMs, oursCpu] = [med.get(oursLabel)!, cpuMed.get(oursLabel)!];
      console.log(`\n${v.name}${numpyContender ? ` (IoU agree with numpy on ${ours.size} labels)` : ''}: median wall ms (each round) | median CPU ms; time ÷ ours`);
      for (const [label, ms] of med) {
        const all = times.get(label)!.map((x) => x.toFixed(0)).join(', ');
        const cpu = cpuMed.get(label)!;
        console.log(
          `  ${label.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms (${all})`.padEnd(62) +
            ` | ${Number.isNaN(cpu) ? '   n/a' : cpu.toFixed(0).padStart(6)} ms CPU   ${(ms / oursMs).toFixed(2)}× wall, ${(cpu / oursCpu).toFixed(2)}× CPU`,
        );
      }
      if (numpyContender) {
        const ratio = med.get('numpy script')! / oursMs;
        const cpuRatio = cpuMed.get('numpy script')! / oursCpu;
        console.log(`  vesalius vs numpy: ${ratio.toFixed(2)}× wall (${cpuRatio.toFixed(2)}× CPU); target ≥ ${TARGET_VS_NUMPY}×: ${ratio >= TARGET_VS_NUMPY ? 'met' : 'NOT met'}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
