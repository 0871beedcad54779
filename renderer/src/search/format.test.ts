import { describe, expect, it } from 'vitest';
import type { SearchIndexStatus } from '../../../core/contract/search';
import { emptyIndexAdvice, hitName, indexIncomplete, indexOutcomeText, indexStatusText, liveIndexStatus, modelLabel, scoreText, searchTextOf } from './format';

const model = { name: 'vesalius-vlm-0.3.0', version: '0.3.0', dim: 256 };
const status = (over: Partial<SearchIndexStatus>): SearchIndexStatus => ({
  model,
  indexed: 0,
  total: 0,
  failed: 0,
  running: false,
  jobId: null,
  problem: null,
  ...over,
});

describe('search texts', () => {
  it('searches trimmed text and nothing for blank input', () => {
    expect(searchTextOf('  chest ct \n')).toBe('chest ct');
    expect(searchTextOf('')).toBeNull();
    expect(searchTextOf(' \t\n ')).toBeNull();
  });

  it('names the model with its version once', () => {
    expect(modelLabel(model)).toBe('vesalius-vlm 0.3.0');
    expect(modelLabel({ name: 'tiny-random', version: '0.2.0', dim: 8 })).toBe('tiny-random 0.2.0');
    expect(modelLabel({ name: 'my-model-0.2.0-int8', version: '0.2.0', dim: 8 })).toBe('my-model-0.2.0-int8');
  });

  it('says how much is indexed, with which model, and what failed', () => {
    expect(indexStatusText(status({ indexed: 412, total: 980 }))).toBe('412 of 980 images indexed with vesalius-vlm 0.3.0');
    expect(indexStatusText(status({ indexed: 1, total: 1 }))).toBe('1 of 1 image indexed with vesalius-vlm 0.3.0');
    expect(indexStatusText(status({ indexed: 1200, total: 1300, failed: 2 }))).toBe('1,200 of 1,300 images indexed with vesalius-vlm 0.3.0 · 2 images could not be indexed');
  });

  it('moves the counts with a running job’s progress (skipped images count as done at its start)', () => {
    // 400 embedded and 12 failed before; the run starts with 412 of 980 done at once, then embeds one by one.
    const before = status({ indexed: 400, total: 980, failed: 12, running: true });
    expect(indexStatusText(liveIndexStatus(before, { done: 412, total: 980 }))).toBe('400 of 980 images indexed with vesalius-vlm 0.3.0 · 12 images could not be indexed');
    expect(liveIndexStatus(before, { done: 413, total: 980 }).indexed).toBe(401);
    expect(liveIndexStatus(before, { done: 980, total: 980 }).indexed).toBe(968);
    // Before the run knows its size, and an event older than the status read: the status stands.
    expect(liveIndexStatus(before, { done: 0, total: 0 })).toBe(before);
    expect(liveIndexStatus(before, { done: 100, total: 980 }).indexed).toBe(400);
    // Images imported during the run: the run's total is what it indexes.
    expect(liveIndexStatus(before, { done: 500, total: 1000 })).toMatchObject({ indexed: 488, total: 1000 });
    // No model: nothing to count.
    const noModel = status({ model: null, problem: 'no model' });
    expect(liveIndexStatus(noModel, { done: 5, total: 9 })).toBe(noModel);
  });

  it('shows the service’s reason when no model can embed', () => {
    const problem = 'vesalius-vlm-0.2.0 has no image_embed.onnx: search needs a model with embedding heads';
    expect(indexStatusText(status({ model: null, problem }))).toBe(problem);
    expect(indexStatusText(status({ model: null }))).toMatch(/No model/);
  });

  it('offers indexing only when some image lacks an embedding and a model can make one', () => {
    expect(indexIncomplete(status({ indexed: 3, total: 5 }))).toBe(true);
    expect(indexIncomplete(status({ indexed: 3, failed: 2, total: 5 }))).toBe(false);
    expect(indexIncomplete(status({ indexed: 5, total: 5 }))).toBe(false);
    expect(indexIncomplete(status({ model: null, problem: 'no model', total: 5 }))).toBe(false);
  });

  it('advises what to do when there is nothing to search', () => {
    expect(emptyIndexAdvice(status({ total: 0 }))).toMatch(/no images yet/);
    expect(emptyIndexAdvice(status({ total: 4 }))).toMatch(/Index the archive/);
    expect(emptyIndexAdvice(status({ indexed: 2, total: 4 }))).toBeNull();
    expect(emptyIndexAdvice(null)).toBeNull();
  });

  it('shows scores with two decimals and a real minus sign', () => {
    expect(scoreText(0.8765)).toBe('0.88');
    expect(scoreText(-0.125)).toBe('−0.13');
    expect(scoreText(1)).toBe('1.00');
  });

  it('says how an indexing run ended', () => {
    const summary = { model, embedded: 40, skipped: 2, failed: [], failedCount: 0, removed: 0, ms: 900 };
    expect(indexOutcomeText('done', summary, null)).toBe('Indexed 40 new images (2 already indexed).');
    expect(indexOutcomeText('done', { ...summary, embedded: 1 }, null)).toBe('Indexed 1 new image (2 already indexed).');
    const failed = [{ filePath: '/data/a.dcm', frame: 3, reason: 'the pixel data is truncated' }];
    expect(indexOutcomeText('done', { ...summary, failed, failedCount: 7 }, null)).toBe(
      'Indexed 40 new images (2 already indexed, 7 failed, the first /data/a.dcm frame 3: the pixel data is truncated).',
    );
    expect(indexOutcomeText('cancelled', null, 'cancelled')).toMatch(/^Indexing cancelled; what was indexed is kept/);
    expect(indexOutcomeText('failed', null, 'the inference worker exited')).toBe('Indexing failed: the inference worker exited');
    expect(indexOutcomeText('failed', null, null)).toBe('Indexing failed');
  });

  it('names a result by rank, content, frame and score', () => {
    expect(hitName({ modality: 'CT', description: 'Chest axial', frame: 1, score: 0.912 }, 0)).toBe('Result 1: CT Chest axial, frame 1, score 0.91');
    expect(hitName({ modality: 'MR', description: '', frame: 4, score: -0.2 }, 9)).toBe('Result 10: MR (no description), frame 4, score −0.20');
  });
});
