// The assistant bench's inputs (not its timings): the synthetic series and the command-line options.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/assistant.bench';
import { syntheticCtSlice } from '../../bench/ct-series';
import { imageKey } from '../../core/inference/model';
import { workerImageSchema } from '../../core/inference/protocol';
import { tinyRandomDir } from '../../core/model/test-models';

describe('syntheticCtSlice', () => {
  it('gives 512×512 int16 CT slices the worker protocol accepts, in HU once rescaled', () => {
    const slice = syntheticCtSlice(250, 500);
    expect(workerImageSchema.safeParse(slice).success).toBe(true);
    expect(slice.data).toBeInstanceOf(Int16Array);
    expect([slice.width, slice.height]).toEqual([512, 512]);
    const hu = (i: number) => (slice.slope ?? 1) * slice.data[i] + (slice.intercept ?? 0);
    expect(Math.abs(hu(0) - -1000)).toBeLessThanOrEqual(10); // air in the corner
    expect(Math.abs(hu(256 * 512 + 256) - 40)).toBeLessThanOrEqual(10); // soft tissue at the centre
    expect(Math.abs(hu(256 * 512 + 160) - -850)).toBeLessThanOrEqual(10); // a lung
  });

  it('gives every slice of a series different content (a new image to the encoder cache) and the same slice again identical', () => {
    const keys = Array.from({ length: 8 }, (_, i) => imageKey(syntheticCtSlice(i, 500)));
    expect(new Set(keys).size).toBe(8);
    expect(imageKey(syntheticCtSlice(3, 500))).toBe(keys[3]);
  });

  it('refuses a slice outside its series', () => {
    expect(() => syntheticCtSlice(500, 500)).toThrow(/slice 500 of 500/);
    expect(() => syntheticCtSlice(-1, 500)).toThrow();
  });
});

describe('assistant bench options', () => {
  it('defaults to tiny-random, 11 runs, 500 slices', () => {
    expect(parseOptions(['assistant'])).toEqual({ modelDir: path.resolve(tinyRandomDir), runs: 11, slices: 500 });
  });

  it('reads --model, --runs and --slices wherever they stand', () => {
    expect(parseOptions(['--runs', '3', 'assistant', '--model', 'models/vesalius-vlm-0.2.0', '--slices', '20'])).toEqual({
      modelDir: path.resolve('models/vesalius-vlm-0.2.0'),
      runs: 3,
      slices: 20,
    });
  });

  it('names a flag without a value or with a bad count', () => {
    expect(() => parseOptions(['--model'])).toThrow(/--model needs a value/);
    expect(() => parseOptions(['--runs', '--model', 'x'])).toThrow(/--runs needs a value/);
    expect(() => parseOptions(['--runs', '0'])).toThrow(/--runs must be a whole number/);
    expect(() => parseOptions(['--slices', '2.5'])).toThrow(/--slices must be a whole number/);
  });
});
