import { describe, expect, it } from 'vitest';
import type { DatasetCase } from '../../../core/contract/masks';
import { nextSort, sortCases } from './datasetSort';

const row = (name: string, miou: number | null, error: string | null = null): DatasetCase => ({
  name,
  truthPath: `/t/${name}`,
  predPath: `/p/${name}`,
  miou,
  meanDice: miou === null ? null : (2 * miou) / (1 + miou),
  empty: false,
  error,
});

describe('sortCases', () => {
  const cases = [row('b', 0.9), row('a', 0.2), row('c', null, 'unreadable'), row('d', 0.5)];

  it('puts the worst case first when sorted ascending by mIoU, unscored rows last either way', () => {
    expect(sortCases(cases, { key: 'miou', ascending: true }).map((c) => c.name)).toEqual(['a', 'd', 'b', 'c']);
    expect(sortCases(cases, { key: 'miou', ascending: false }).map((c) => c.name)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortCases(cases, { key: 'name', ascending: true }).map((c) => c.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sorts a new column ascending and flips on a second click', () => {
    const first = nextSort({ key: 'name', ascending: true }, 'miou');
    expect(first).toEqual({ key: 'miou', ascending: true });
    expect(nextSort(first, 'miou')).toEqual({ key: 'miou', ascending: false });
  });
});
