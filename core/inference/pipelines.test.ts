import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../model/config';
import { ModelRunError } from '../model/errors';
import { tinyRandomDir } from '../model/test-models';
import { createOrtBackend } from '../../workers/inference/backend';
import { VisionLanguageModel, type ModelImage } from './model';
import { ensembled, imageEmbedPipeline, rankLabels, textEmbedPipeline, zeroShotPipeline, zeroShotScale } from './pipelines';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i], 0);

const grayImage = (): ModelImage => {
  const data = new Uint8Array(40 * 30);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  return { kind: 'gray8', width: 40, height: 30, data };
};

describe('zero-shot helpers', () => {
  it('ensembles unit vectors as their renormalised mean', () => {
    const out = ensembled([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
    expect(out[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(out[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('ranks labels by the softmax of the scaled cosines', () => {
    const ranked = rankLabels(['ct', 'mri', 'x-ray'], [0.1, 0.3, 0.1], 10);
    expect(ranked.map((r) => r.label)).toEqual(['mri', 'ct', 'x-ray']);
    expect(ranked.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 12);
    expect(ranked[0].score / ranked[1].score).toBeCloseTo(Math.exp(10 * 0.2), 9);
  });

  it('takes the logit scale as training clamps it (at most 100), CLIP’s 1/0.07 when the folder has none', () => {
    expect(zeroShotScale(Math.log(20))).toBeCloseTo(20, 9);
    expect(zeroShotScale(10)).toBeCloseTo(100, 9);
    expect(zeroShotScale(undefined)).toBeCloseTo(1 / 0.07, 9);
  });
});

describe('zero-shot pipeline (tiny-random)', () => {
  let model: VisionLanguageModel;
  beforeAll(async () => {
    model = await VisionLanguageModel.load(loadModelFolder(tinyRandomDir), createOrtBackend({ intraOpNumThreads: 2 }));
  });
  afterAll(() => model.release());

  it('scores each label by the cosine of the image with its templates’ ensembled text embedding', async () => {
    const labels = ['ct', 'mri', 'x-ray'];
    const templates = ['{} scan', 'a {} of the chest'];
    const ranked = await zeroShotPipeline(model, grayImage(), labels, templates);
    expect(ranked.map((r) => r.label).sort()).toEqual([...labels].sort());
    expect(ranked.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 9);

    const image = await imageEmbedPipeline(model, grayImage());
    for (const label of labels) {
      const texts = await Promise.all(templates.map((t) => textEmbedPipeline(model, t.replace('{}', label))));
      const mean = texts[0].map((v, i) => (v + texts[1][i]) / 2);
      const expected = dot(mean, image) / Math.hypot(...mean);
      expect(ranked.find((r) => r.label === label)!.cosine).toBeCloseTo(expected, 5);
    }
    const scale = zeroShotScale(model.folder.config.embeddings?.logit_scale);
    expect(ranked[0].score / ranked[1].score).toBeCloseTo(Math.exp(scale * (ranked[0].cosine - ranked[1].cosine)), 6);
    expect(ranked[0].cosine).toBeGreaterThanOrEqual(ranked[1].cosine);
  });

  it('refuses fewer than two labels and a template without {}', async () => {
    await expect(zeroShotPipeline(model, grayImage(), ['ct'])).rejects.toBeInstanceOf(ModelRunError);
    await expect(zeroShotPipeline(model, grayImage(), ['ct', 'mri'], ['a scan'])).rejects.toThrow(/"a scan" has none/);
  });
});
