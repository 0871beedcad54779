// Python ↔ TypeScript parity: the training recipe scores its models with
// models/training/metrics.py; these tests hold it to core/metrics (the product's one definition)
// on the fixed inputs of fixtures/parity-inputs.json, to 1e-9.
//  1. always: core/metrics on the inputs equals the committed Python output (parity-python.json);
//  2. where python3 with numpy exists: a fresh run of metrics_parity.py equals the committed file,
//     so the committed output cannot go stale when metrics.py changes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bleu,
  ciderD,
  diagonalRanks,
  expectedCalibrationError,
  macroF1,
  accuracy,
  meanReciprocalRank,
  perSliceIou,
  rankSummary,
  recallAtK,
  rougeL,
  tokenize,
  type LabelVolume,
} from './index';

const FIXTURES = join(__dirname, 'fixtures');
const SCRIPT = join(__dirname, '..', '..', 'models', 'training', 'metrics_parity.py');
const TOLERANCE = 1e-9;

interface ParityInputs {
  captions: { candidate: string; references: string[] }[];
  masks: { name: string; truth: string[]; pred: string[] }[];
  retrieval_queries: { ranked: string[]; relevant: string[] }[];
  recall_ks: number[];
  similarity: number[][];
  rank_ks: number[];
  calibration: { confidences: number[]; correct: boolean[]; bins: number[] };
  classification: { truth: string[]; pred: string[] };
}

const inputs = JSON.parse(readFileSync(join(FIXTURES, 'parity-inputs.json'), 'utf8')) as ParityInputs;
const committed = JSON.parse(readFileSync(join(FIXTURES, 'parity-python.json'), 'utf8')) as Record<string, unknown>;

function maskVolume(rows: string[], source: string): LabelVolume {
  const width = rows[0].length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) data[x + width * y] = row[x] === '0' ? 0 : 1;
  });
  return { data, shape: [width, rows.length, 1], spacingMm: [1, 1, 1], source };
}

/** Everything core/metrics computes for the inputs, in the layout metrics_parity.py writes. */
function coreMetrics(): Record<string, unknown> {
  const items = inputs.captions;
  const b = bleu(items, 4);
  const ranks = diagonalRanks(inputs.similarity);
  const summary = rankSummary(ranks, inputs.rank_ks);
  const cal = inputs.calibration;
  const cls = inputs.classification;
  return {
    tokens: items.map((c) => tokenize(c.candidate)),
    bleu: b.bleu,
    bleu_precisions: b.precisions,
    bleu_brevity_penalty: b.brevityPenalty,
    rouge_l: rougeL(items).score,
    rouge_l_per_item: rougeL(items).perItem,
    cider_d: ciderD(items).score,
    cider_d_per_item: ciderD(items).perItem,
    iou: inputs.masks.map((m) => perSliceIou(maskVolume(m.truth, m.name), maskVolume(m.pred, m.name))[0]),
    recall_at_k: Object.fromEntries(inputs.recall_ks.map((k) => [String(k), recallAtK(inputs.retrieval_queries, k)])),
    mrr: meanReciprocalRank(inputs.retrieval_queries),
    diagonal_ranks: ranks,
    rank_summary: summary && {
      recall_at_k: Object.fromEntries(Object.entries(summary.recallAtK).map(([k, v]) => [k, v])),
      mrr: summary.mrr,
    },
    ece: Object.fromEntries(cal.bins.map((n) => [String(n), expectedCalibrationError(cal.confidences, cal.correct, n)])),
    accuracy: accuracy(cls.truth, cls.pred),
    macro_f1: macroF1(cls.truth, cls.pred).macroF1,
  };
}

/** Deep comparison: numbers within TOLERANCE, everything else equal; returns the differing paths. */
function differences(expected: unknown, actual: unknown, path = '$'): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(expected - actual) <= TOLERANCE ? [] : [`${path}: python ${expected} vs core ${actual}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return [`${path}: length ${expected.length} vs ${actual.length}`];
    return expected.flatMap((e, i) => differences(e, actual[i], `${path}[${i}]`));
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) =>
      differences((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return expected === actual ? [] : [`${path}: python ${JSON.stringify(expected)} vs core ${JSON.stringify(actual)}`];
}

/** A python3 that can import numpy, or why there is none. */
function findPython(): { exe: string } | { missing: string } {
  const candidates = [process.env.VESALIUS_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const exe of candidates) {
    const probe = spawnSync(exe, ['-c', 'import numpy'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.status === 0) return { exe };
  }
  return { missing: `no python3 with numpy among ${candidates.join(', ')}` };
}

describe('Python metrics.py equals core/metrics on fixed inputs', () => {
  it('core/metrics reproduces the committed Python values (≤ 1e-9)', () => {
    const { note: _note, ...python } = committed;
    expect(differences(python, coreMetrics())).toEqual([]);
  });

  it('the inputs exercise the edge cases the definitions spell out', () => {
    const core = coreMetrics();
    // both-empty masks: undefined ratio → null on both sides (never 1)
    expect((core.iou as (number | null)[])[4]).toBeNull();
    // ties in the similarity matrix count against the model (row 2: 0.3 tied three ways → rank 3)
    expect((core.diagonal_ranks as number[])[2]).toBe(3);
    // an empty candidate and a one-word candidate (CIDEr-D's bigram-count length) are present
    expect(inputs.captions.some((c) => tokenize(c.candidate).length === 0)).toBe(true);
    expect(inputs.captions.some((c) => tokenize(c.candidate).length === 1)).toBe(true);
    expect(core.ece).not.toEqual({});
  });

  const python = findPython();
  const skipReason = 'missing' in python ? python.missing : null;
  it.skipIf(skipReason !== null)(
    `a fresh metrics_parity.py run equals the committed output${skipReason ? ` — skipped: ${skipReason}` : ''}`,
    () => {
      if (!('exe' in python)) return;
      const dir = mkdtempSync(join(tmpdir(), 'metrics-parity-'));
      try {
        const out = join(dir, 'parity-python.json');
        const run = spawnSync(python.exe, [SCRIPT, join(FIXTURES, 'parity-inputs.json'), out], { encoding: 'utf8', timeout: 60_000 });
        expect(run.status, run.stderr).toBe(0);
        const fresh = JSON.parse(readFileSync(out, 'utf8')) as unknown;
        expect(differences(committed, fresh)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
