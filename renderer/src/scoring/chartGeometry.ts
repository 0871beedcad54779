/** Layout of the per-slice chart: plot area inside margins, bar per slice. Pure, so it is testable. */
export interface ChartLayout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const defaultLayout: ChartLayout = { width: 360, height: 130, left: 30, right: 8, top: 8, bottom: 22 };

export const plotWidth = (l: ChartLayout): number => l.width - l.left - l.right;
export const plotHeight = (l: ChartLayout): number => l.height - l.top - l.bottom;

/** x of slice z's bar start and the bar width. */
export function barX(l: ChartLayout, z: number, count: number): { x: number; width: number } {
  const step = plotWidth(l) / Math.max(1, count);
  return { x: l.left + z * step, width: Math.max(step * 0.8, 0.5) };
}

/** y of a value in [0, 1] (1 at the top). */
export const valueY = (l: ChartLayout, value: number): number => l.top + (1 - value) * plotHeight(l);

/** The slice under an x position in chart units, clamped to the stack. */
export function sliceAtX(l: ChartLayout, x: number, count: number): number {
  const z = Math.floor(((x - l.left) / plotWidth(l)) * count);
  return Math.min(count - 1, Math.max(0, z));
}

/** A few slice numbers for the x axis: first, last and evenly spaced ones between. */
export function sliceTicks(count: number, maxTicks = 6): number[] {
  if (count <= 0) return [];
  if (count <= maxTicks) return Array.from({ length: count }, (_, i) => i);
  const step = Math.ceil((count - 1) / (maxTicks - 1));
  const ticks: number[] = [];
  for (let z = 0; z < count - 1; z += step) ticks.push(z);
  if (count - 1 - ticks[ticks.length - 1] < step / 2) ticks.pop();
  ticks.push(count - 1);
  return ticks;
}
