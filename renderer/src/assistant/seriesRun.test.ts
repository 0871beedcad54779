import { describe, expect, it } from 'vitest';
import { runSeries, seriesOutcomeLine } from './seriesRun';

/** A fake segmenter: slice i answers i·10, or fails at `failAt` with the worker's words. */
const segmenter = (failAt: number | null = null, calls: number[] = []) => async (index: number) => {
  calls.push(index);
  return index === failAt ? ({ ok: false, reason: 'the inference worker exited (code 1)' } as const) : ({ ok: true, value: index * 10 } as const);
};
const noPause = async () => {};

describe('runSeries', () => {
  it('runs every slice in order and reports progress after each', async () => {
    const progress: string[] = [];
    const calls: number[] = [];
    const outcome = await runSeries({ indices: [0, 1, 2, 3], runSlice: segmenter(null, calls), onProgress: (d, t) => progress.push(`${d}/${t}`), pause: noPause });
    expect(outcome).toEqual({ state: 'done', total: 4, error: null, results: [0, 1, 2, 3].map((index) => ({ index, value: index * 10 })) });
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
  });

  it('stops after the slice in flight when cancelled and keeps what was done', async () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const outcome = await runSeries({
      indices: [0, 1, 2, 3, 4],
      runSlice: segmenter(null, calls),
      onProgress: (done) => {
        if (done === 2) controller.abort();
      },
      signal: controller.signal,
      pause: noPause,
    });
    expect(outcome.state).toBe('cancelled');
    expect(outcome.results.map((r) => r.index)).toEqual([0, 1]);
    expect(calls).toEqual([0, 1]);
    expect(seriesOutcomeLine({ ...outcome, done: outcome.results.length }, 'stored')).toBe('Cancelled after 2 of 5 slices. The 2 slices done are kept as a partial segmentation.');
  });

  it('fails at the first slice the worker cannot do, naming it, with the earlier slices kept', async () => {
    const calls: number[] = [];
    const outcome = await runSeries({ indices: [4, 5, 6, 7], runSlice: segmenter(6, calls), pause: noPause });
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toBe('slice 7: the inference worker exited (code 1)');
    expect(outcome.results.map((r) => r.index)).toEqual([4, 5]);
    expect(calls).toEqual([4, 5, 6]);
    expect(seriesOutcomeLine({ ...outcome, done: 2 }, 'stored')).toBe('Stopped at slice 7: the inference worker exited (code 1) (after 2 of 4 slices). The 2 slices done are kept as a partial segmentation.');
  });

  it('counts a throwing slice as a failure rather than losing the run', async () => {
    const outcome = await runSeries({
      indices: [0, 1],
      runSlice: async (i) => {
        if (i === 1) throw new Error('the slice is still loading');
        return { ok: true, value: i };
      },
      pause: noPause,
    });
    expect(outcome).toMatchObject({ state: 'failed', error: 'slice 2: the slice is still loading', results: [{ index: 0, value: 0 }] });
  });

  it('yields between slices so the page can scroll and paint', async () => {
    let pauses = 0;
    await runSeries({ indices: [0, 1, 2], runSlice: segmenter(), pause: async () => void pauses++ });
    expect(pauses).toBe(3);
  });

  it('an already cancelled run does nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const calls: number[] = [];
    const outcome = await runSeries({ indices: [0, 1], runSlice: segmenter(null, calls), signal: controller.signal, pause: noPause });
    expect(outcome).toMatchObject({ state: 'cancelled', results: [] });
    expect(calls).toEqual([]);
  });

  it('says a complete run, and one that found nothing', () => {
    expect(seriesOutcomeLine({ state: 'done', total: 3, error: null, done: 3 }, 'stored')).toBe('Segmented all 3 slices.');
    expect(seriesOutcomeLine({ state: 'done', total: 3, error: null, done: 3 }, 'nothing found')).toBe('Segmented all 3 slices. Nothing was found, so nothing is stored.');
  });
});
