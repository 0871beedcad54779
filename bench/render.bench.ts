// Time to first image: from choosing a series (the moment ViewerState.select runs: a click on a
// series, or the automatic choice when an import finishes) to cornerstone's first IMAGE_RENDERED
// with that series' image, both read from performance.now() inside the page. Each run is a fresh
// browser context, so the codec wasm, the decoder worker and the pixel data all start cold.
// Baseline, measured in the same page right after: fetching the same file's bytes from the host
// (the I/O floor under any viewer). Target (issue 9): 250 ms.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot, resolveDataDir } from '../core/config/data-dir';
import { realCtSampleDir } from '../core/services/sample-paths';
import { startHost } from '../host/server';

const RUNS = 5;
const TARGET_MS = 250;
const chromiumPath = process.env.VESALIUS_CHROMIUM ?? '/usr/bin/chromium';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

interface RunTiming {
  firstImageMs: number;
  /** Where the first image's time went, in ms after the selection (resource timings). */
  phases: Record<string, number>;
  fetchBytesMs: number;
  /** Re-selecting the same series: decoded images are cached, this is the viewport path alone. */
  warmSwitchMs: number;
}

async function openSeries(page: Page, seriesDir: string | null): Promise<void> {
  if (seriesDir) {
    await page.getByTestId('open-path-input').fill(seriesDir);
    await page.getByTestId('open-path-submit').click();
  } else {
    await page.getByRole('button', { name: 'Open sample study' }).click();
  }
}

/** Waits for the first render of a selection made after `afterSelectedAt` (page clock). */
async function firstRenderMs(page: Page, afterSelectedAt = -1): Promise<{ ms: number; selectedAt: number }> {
  const handle = await page.waitForFunction(
    (after) => {
      const viewport = document.querySelector('[data-testid="viewport"]');
      const selectedAt = Number(viewport?.getAttribute('data-selected-at') || NaN);
      const ms = viewport?.getAttribute('data-first-render-ms');
      return selectedAt > after && ms ? { ms: Number(ms), selectedAt } : null;
    },
    afterSelectedAt,
    { timeout: 60_000, polling: 20 },
  );
  return handle.jsonValue();
}

async function oneRun(browser: Browser, url: string, seriesDir: string | null): Promise<RunTiming> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await openSeries(page, seriesDir);
    const first = await firstRenderMs(page);

    const phases = await page.evaluate((selectedAt) => {
      const out: Record<string, number> = {};
      for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
        if (entry.startTime < selectedAt) continue;
        const name = entry.name.includes('/dicom/') ? 'dicom bytes' : /\.wasm$/.test(entry.name) ? 'codec wasm' : /Worker.*\.js$/.test(entry.name) ? 'decoder worker' : null;
        if (name && !(name in out)) out[name] = entry.responseEnd - selectedAt;
      }
      const loaded = performance.getEntriesByName('vesalius:first-image-loaded').at(-1);
      if (loaded) out['pixels decoded'] = loaded.startTime - selectedAt;
      return out;
    }, first.selectedAt);

    const imageUrl = (await page.getByTestId('viewport').getAttribute('data-rendered-image-id'))!.replace(/^wadouri:/, '');
    const fetchBytesMs = await page.evaluate(async (u) => {
      const t0 = performance.now();
      const response = await fetch(u.split('?')[0], { cache: 'no-store' });
      await response.arrayBuffer();
      return performance.now() - t0;
    }, imageUrl);

    await page.getByTestId('series-item').first().click();
    const warm = await firstRenderMs(page, first.selectedAt);
    return { firstImageMs: first.ms, phases, fetchBytesMs, warmSwitchMs: warm.ms };
  } finally {
    await context.close();
  }
}

export async function run(): Promise<void> {
  const rendererDir = process.env.VESALIUS_RENDERER_DIR ?? path.join(projectRoot, 'dist', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    console.log(`render bench skipped: no built renderer at ${rendererDir} (run npm run build:renderer)`);
    return;
  }
  if (!existsSync(chromiumPath)) {
    console.log(`render bench skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  const dataDir = resolveDataDir();
  const seriesDir = dataDir && existsSync(realCtSampleDir(dataDir)) ? realCtSampleDir(dataDir) : null;
  const label = seriesDir ? 'real CT series (20 × 512², JPEG 2000 lossless)' : 'phantom sample (real data not found)';

  const host = await startHost({ port: 0, dataDir, rendererDir });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const runs: RunTiming[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await oneRun(browser, host.url, seriesDir));
    const first = median(runs.map((t) => t.firstImageMs));
    const fetchFloor = median(runs.map((t) => t.fetchBytesMs));
    const warm = median(runs.map((t) => t.warmSwitchMs));
    console.log(`${label}, ${RUNS} cold runs in Chromium (${chromiumPath})`);
    console.log(`  series chosen → first image rendered: median ${first.toFixed(0)} ms (runs: ${runs.map((t) => t.firstImageMs.toFixed(0)).join(', ')}); target ${TARGET_MS} ms: ${first <= TARGET_MS ? 'met' : 'NOT met'}`);
    console.log(`  baseline, fetching that file's bytes alone: median ${fetchFloor.toFixed(1)} ms (first image takes ${(first / fetchFloor).toFixed(1)}× the fetch)`);
    const phaseNames = [...new Set(runs.flatMap((t) => Object.keys(t.phases)))];
    const phaseText = phaseNames.map((n) => `${n} ready at ${median(runs.filter((t) => n in t.phases).map((t) => t.phases[n])).toFixed(0)} ms`);
    if (phaseText.length) console.log(`  cold path (median, after the selection): ${phaseText.join(', ')}`);
    console.log(`  re-selecting the series (decoded images cached): median ${warm.toFixed(0)} ms`);
  } finally {
    await browser.close();
    await host.close();
  }
}
