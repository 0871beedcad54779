/** Scores shown with four decimals (enough to tell 0.5833 from 0.5834); undefined ratios as a dash. */
export const formatRatio = (value: number | null): string => (value === null ? '—' : value.toFixed(4));

export const formatMl = (ml: number): string => (ml >= 100 ? ml.toFixed(0) : ml >= 1 ? ml.toFixed(2) : ml.toPrecision(2));
