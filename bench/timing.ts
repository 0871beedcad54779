// The one wall/CPU timing loop the CPU benches share (segmentation tools, metrics).

export interface Timing {
  /** Median wall time per call, ms. */
  median: number;
  /** Fastest wall time, ms. */
  min: number;
  /** Median CPU time (user + system) of this process per call, ms: less inflated by other processes than wall time. */
  cpuMedian: number;
}

const middle = (sorted: number[]): number => sorted[sorted.length >> 1];

/** Wall (median, min) and CPU (median) times of `runs` calls of `fn`, in ms; `setup` runs before each call, untimed. */
export function timeRuns(runs: number, fn: () => void, setup: () => void = () => {}): Timing {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`timeRuns: runs must be a whole number ≥ 1, got ${runs}`);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    setup();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    fn();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: middle(wall), min: wall[0], cpuMedian: middle(cpu) };
}
