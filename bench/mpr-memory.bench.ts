// Memory of the browser page with a CT-sized series (512 × 512 × 100, int16) in the MPR layout:
// the whole Chromium process tree's PSS (proportional set size, so shared pages are not counted
// once per process) and the page's JS heap, measured with the series open in the 1×1 stack layout
// (baseline, same run), in 1×3 with the volume loaded, back in 1×1 (the volume freed; Chromium may keep
// the pages for reuse, so PSS need not fall), and after two more 1×3 → 1×1 rounds: a volume or texture
// not freed adds itself again each round (before the views kept one engine and released the texture
// themselves, the GPU process grew by about 130 MiB a round).
// For scale: the volume's voxels alone are 100 × 512 KiB = 50 MiB as Int16.
// Target (issue 10): renderer and host ≤ 1.5 GB with a 512 × 512 × 500 series and 3 segmentations;
// this bench covers the volume's share on a smaller series.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { projectRoot } from '../core/config/data-dir';
import { writePhantomSeries } from '../core/fixtures/phantom';
import { startHost } from '../host/server';
import { byKind, memoryOf, processTree } from './process-memory';

const SLICES = 100;
const SIZE = 512;
const chromiumPath = process.env.VESALIUS_CHROMIUM ?? '/usr/bin/chromium';

/** PSS (MiB) of `rootPid`'s process tree, and of its renderer and GPU processes (bench/process-memory.ts reads /proc). */
function treePssMb(rootPid: number): { total: number; renderer: number; gpu: number } {
  const tree = memoryOf(processTree(rootPid));
  const kinds = byKind(tree);
  return { total: tree.pssMiB, renderer: kinds.get('renderer') ?? 0, gpu: kinds.get('gpu-process') ?? 0 };
}

interface Sample {
  pssMb: number;
  rendererMb: number;
  gpuMb: number;
  heapMb: number;
}

async function sample(page: Page, rootPid: number): Promise<Sample> {
  // Let pending frees settle and collect garbage, so a sample is the state, not the transition.
  await page.waitForTimeout(1000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  await page.waitForTimeout(500);
  const heapMb = await page.evaluate(() => ((performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN) / 1024 ** 2);
  const pss = treePssMb(rootPid);
  return { pssMb: pss.total, rendererMb: pss.renderer, gpuMb: pss.gpu, heapMb };
}

export async function run(): Promise<void> {
  const rendererDir = process.env.VESALIUS_RENDERER_DIR ?? path.join(projectRoot, 'dist', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    console.log(`mpr memory bench skipped: no built renderer at ${rendererDir} (run npm run build:renderer)`);
    return;
  }
  if (!existsSync(chromiumPath)) {
    console.log(`mpr memory bench skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'vesalius-bench-mpr-'));
  const host = await startHost({ port: 0, dataDir: null, home: path.join(work, 'home'), rendererDir, cacheDir: path.join(work, 'cache') });
  // A browser server, so its process (the root of the tree measured) is known.
  const server = await chromium.launchServer({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  });
  const browser = await chromium.connect(server.wsEndpoint());
  try {
    await writePhantomSeries(path.join(work, 'ct'), { slices: SLICES, rows: SIZE, columns: SIZE, seriesDescription: 'Bench 512 × 512 × 100' });
    const rootPid = server.process().pid;
    if (!rootPid) throw new Error('mpr memory bench: Chromium was started without a process id to measure');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(host.url);
    await page.getByTestId('open-path-input').fill(path.join(work, 'ct'));
    await page.getByTestId('open-path-submit').click();
    await page.getByTestId('import-panel').and(page.locator('[data-phase="done"]')).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="viewport"]:not([data-rendered-at=""])').waitFor({ timeout: 60_000 });
    const stack = await sample(page, rootPid);

    const started = performance.now();
    await page.getByTestId('command-layout.1x3').click();
    await page.locator('[data-testid="mpr-views"][data-status="ready"]').waitFor({ timeout: 180_000 });
    const loadMs = performance.now() - started;
    const mpr = await sample(page, rootPid);
    const scalarType = await page.getByTestId('mpr-views').getAttribute('data-scalar-type');

    await page.getByTestId('command-layout.1x1').click();
    await page.locator('[data-testid="mpr-views"][data-hidden="true"][data-status="idle"]').waitFor({ state: 'attached' });
    const back = await sample(page, rootPid);
    // Twice more: a volume that was not freed would add its texture and voxels again each time.
    for (let round = 0; round < 2; round++) {
      await page.getByTestId('command-layout.1x3').click();
      await page.locator('[data-testid="mpr-views"][data-status="ready"]').waitFor({ timeout: 180_000 });
      await page.getByTestId('command-layout.1x1').click();
      await page.locator('[data-testid="mpr-views"][data-hidden="true"][data-status="idle"]').waitFor({ state: 'attached' });
    }
    const again = await sample(page, rootPid);

    const volumeMb = (SIZE * SIZE * SLICES * 2) / 1024 ** 2;
    const line = (name: string, s: Sample) => `  ${name.padEnd(30)} PSS ${s.pssMb.toFixed(0).padStart(5)} MiB (×${(s.pssMb / stack.pssMb).toFixed(2)} of 1×1; renderers ${s.rendererMb.toFixed(0)}, GPU process ${s.gpuMb.toFixed(0)})   JS heap ${s.heapMb.toFixed(0).padStart(4)} MiB`;
    console.log(`Chromium process tree, ${SIZE} × ${SIZE} × ${SLICES} int16 phantom (voxels ${volumeMb.toFixed(0)} MiB as Int16); volume voxel type ${scalarType || 'unknown'}`);
    console.log(line('1×1 stack (baseline)', stack));
    console.log(`${line('1×3 MPR, volume loaded', mpr)}   +${(mpr.pssMb - stack.pssMb).toFixed(0)} MiB = ${((mpr.pssMb - stack.pssMb) / volumeMb).toFixed(1)}× the voxels; loaded in ${(loadMs / 1000).toFixed(1)} s`);
    console.log(line('back to 1×1 (volume freed)', back));
    console.log(`${line('after 2 more 1×3 → 1×1', again)}   ${again.pssMb - back.pssMb >= 0 ? '+' : ''}${(again.pssMb - back.pssMb).toFixed(0)} MiB over the first return`);
  } finally {
    await browser.close();
    await server.close();
    await host.close();
    await rm(work, { recursive: true, force: true });
  }
}
