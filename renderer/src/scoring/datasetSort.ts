import type { DatasetCase } from '../../../core/contract/masks';

export type DatasetSortKey = 'name' | 'miou' | 'meanDice';
export interface DatasetSort {
  key: DatasetSortKey;
  ascending: boolean;
}

/** Clicking a header sorts by it ascending (worst score first); clicking it again flips the order. */
export const nextSort = (current: DatasetSort, key: DatasetSortKey): DatasetSort =>
  current.key === key ? { key, ascending: !current.ascending } : { key, ascending: true };

/**
 * Sorted copy. Cases without a score (skipped empty cases, read errors) go last in either
 * direction: they are not "worst", they are unscored, and the row says why.
 */
export function sortCases(cases: readonly DatasetCase[], sort: DatasetSort): DatasetCase[] {
  const sign = sort.ascending ? 1 : -1;
  return [...cases].sort((a, b) => {
    if (sort.key === 'name') return sign * a.name.localeCompare(b.name);
    const va = a[sort.key];
    const vb = b[sort.key];
    if (va === null || vb === null) return va === vb ? a.name.localeCompare(b.name) : va === null ? 1 : -1;
    return sign * (va - vb) || a.name.localeCompare(b.name);
  });
}
