// Memory with a CT-sized series (512 × 512 × 500, int16) open in the 1×3 MPR layout and 3 segmentations
// opened (issue 10, Benchmark: renderer and host ≤ 1.5 GB in all). The host runs in this process (browser
// mode, a temp data home); the page in Chromium. Measured, in the same run: the series in the 1×1 stack with
// no segmentation (baseline), after opening each segmentation in turn there (only one is shown as labelmaps at a
// time; one opened only to be looked at is let go when the next opens, and read from the store again if reopened),
// then in 1×3 with the volume loaded. Each step's increase is set against the voxel bytes it should cost, to see
// how many copies are held. RSS sums count shared pages once per process (an upper bound); PSS shares them out
// (the honest figure). The target is set against the renderer and the host; Chromium's GPU process is shown apart:
// with no GPU here (SwiftShader) it holds the volume's texture in system memory, which a GPU keeps in video memory.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { packBits } from '../core/annotations/bits';
import { labelColor } from '../core/annotations/palette';
import { projectRoot } from '../core/config/data-dir';
import { dispatch } from '../core/contract/dispatch';
import type { CallArgs, CallName, CallResult } from '../core/contract/index';
import type { Result } from '../core/contract/result';
import { newUid } from '../core/dicom/part10-writer';
import { writePhantomSeries } from '../core/fixtures/phantom';
import { startHost, type RunningHost } from '../host/server';
import { byKind, memoryOf, processTree, type TreeMemory } from './process-memory';

const SIZE = 512;
const SLICES = 500;
const SEGMENTATIONS = 3;
const TARGET_MIB = 1.5 * 1024;
const chromiumPath = process.env.VESALIUS_CHROMIUM ?? '/usr/bin/chromium';
const CT_MIB = (SIZE * SIZE * SLICES * 2) / 1024 ** 2;
/** One segment's mask as the renderer holds it: a byte a voxel. */
const MASK_MIB = (SIZE * SIZE * SLICES) / 1024 ** 2;

async function call<K extends CallName>(host: RunningHost, name: K, args: CallArgs<K>): Promise<CallResult<K>> {
  const result = (await dispatch(host.service.handlers, name, args, { transport: 'direct' as const, caller: 'bench' })) as Result<CallResult<K>>;
  if (!result.ok) throw new Error(`memory bench: ${name} failed: ${result.error.message}`);
  return result.value;
}

/**
 * A segmentation with one segment: a ball of radius 80 voxels in-plane over 121 slices (about 2.4 M voxels),
 * each segmentation's ball elsewhere, saved through masks.saveSlices as the app's autosave does.
 */
async function makeSegmentation(host: RunningHost, seriesKey: string, index: number): Promise<string> {
  const color = labelColor(1);
  const info = await call(host, 'masks.create', {
    seriesKey,
    name: `Bench segmentation ${index + 1}`,
    shape: [SIZE, SIZE, SLICES],
    segments: [{ number: 1, label: 'Segment 1', color: [color[0], color[1], color[2]] }],
    role: 'annotator',
    author: 'bench',
  });
  const [cx, cy, cz] = [176 + index * 80, 256, 150 + index * 100];
  const slice = new Uint8Array(SIZE * SIZE);
  const edits: CallArgs<'masks.saveSlices'>['edits'] = [];
  for (let z = cz - 60; z <= cz + 60; z++) {
    const r = 80 * Math.sqrt(Math.max(0, 1 - ((z - cz) / 60) ** 2));
    slice.fill(0);
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) slice[y * SIZE + x] = 1;
    edits.push({ segment: 1, z, bits: packBits(slice) });
  }
  await call(host, 'masks.saveSlices', { maskSetId: info.maskSetId, expectedHead: info.headVersion, edits, note: 'bench ball' });
  return info.maskSetId;
}

/**
 * The phantom series' folder and UID. Writing 500 slices takes minutes on a loaded machine, so with
 * VESALIUS_BENCH_SERIES_CACHE set the series is written there once (its UID in a .uid file beside it) and
 * reused by later runs; otherwise it goes into the run's temp folder.
 */
async function benchSeries(work: string): Promise<{ seriesDir: string; seriesInstanceUid: string; how: string }> {
  const cache = process.env.VESALIUS_BENCH_SERIES_CACHE;
  const seriesDir = cache ? path.resolve(cache, `phantom-${SIZE}x${SIZE}x${SLICES}`) : path.join(work, 'ct');
  // Beside the folder, not in it: the import would report it as a file that is not DICOM.
  const uidFile = `${seriesDir}.uid`;
  if (cache && existsSync(uidFile)) return { seriesDir, seriesInstanceUid: (await readFile(uidFile, 'utf8')).trim(), how: `reused from ${seriesDir}` };
  const seriesInstanceUid = newUid();
  const started = performance.now();
  await writePhantomSeries(seriesDir, { slices: SLICES, rows: SIZE, columns: SIZE, seriesInstanceUid, seriesDescription: `Bench ${SIZE} × ${SIZE} × ${SLICES}` });
  // Written last: a folder without it was not finished and is written again.
  if (cache) await writeFile(uidFile, `${seriesInstanceUid}\n`);
  return { seriesDir, seriesInstanceUid, how: `written in ${((performance.now() - started) / 1000).toFixed(1)} s${cache ? ` to ${seriesDir}` : ''}` };
}

interface Sample {
  host: TreeMemory;
  browser: TreeMemory;
  heapMiB: number;
}

const pssOrRss = (t: TreeMemory): number => (t.pssComplete ? t.pssMiB : t.rssMiB);
const totalPss = (s: Sample): number => pssOrRss(s.host) + pssOrRss(s.browser);
const totalRss = (s: Sample): number => s.host.rssMiB + s.browser.rssMiB;
/** Chromium's GPU process (PSS, else RSS): the software rasteriser's textures, video memory on a machine with a GPU. */
const gpuPss = (s: Sample): number => byKind(s.browser).get('gpu-process') ?? 0;
/** The renderer, the host and the rest of Chromium: what the issue's target is set against. */
const appPss = (s: Sample): number => totalPss(s) - gpuPss(s);

/**
 * Settles, then reads the host's and the browser's process trees: a garbage collection in the page, then
 * reads a second apart until the total moves by under 8 MiB (the stack's prefetch and pending frees
 * finish in the background), at most 20 s.
 */
async function sample(page: Page, browserPid: number): Promise<Sample> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  let current = read(browserPid);
  for (let waited = 0; waited < 20; waited++) {
    await page.waitForTimeout(1000);
    const next = read(browserPid);
    const moved = Math.abs(pssOrRss(next.host) + pssOrRss(next.browser) - pssOrRss(current.host) - pssOrRss(current.browser));
    current = next;
    if (moved < 8) break;
  }
  // V8's own count; it includes array buffers' backing stores whether their pages are resident or not.
  const heapMiB = await page.evaluate(() => ((performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN) / 1024 ** 2);
  return { ...current, heapMiB };
}

function read(browserPid: number): { host: TreeMemory; browser: TreeMemory } {
  const browserPids = new Set(processTree(browserPid));
  // The host is this process (and any reader processes it started); Chromium is a child of it too, so it is taken out.
  const hostPids = processTree(process.pid).filter((pid) => !browserPids.has(pid));
  return { host: memoryOf(hostPids), browser: memoryOf(browserPids) };
}

/** Waits until the Segments panel is idle (images loaded, content read) and fails on the notice it left, if any. */
async function panelSettled(page: Page, what: string): Promise<void> {
  await page.getByTestId('segments-busy').waitFor({ state: 'detached', timeout: 600_000 });
  const notice = await page.getByTestId('segments-notice').textContent({ timeout: 100 }).catch(() => null);
  if (notice) throw new Error(`memory bench: ${what} left a notice in the Segments panel: ${notice}`);
}

const editorOf = (page: Page, maskSetId: string) => page.locator(`[data-testid="segmentation-editor"][data-mask-set-id="${maskSetId}"]`);

/** Opens the list's `index`th segmentation (a click while the panel is busy is ignored, so it waits first). */
async function openSegmentation(page: Page, index: number, maskSetId: string): Promise<void> {
  await panelSettled(page, 'the panel');
  await page.getByTestId('segmentation-item').nth(index).click({ timeout: 300_000 });
  await editorOf(page, maskSetId).waitFor({ timeout: 600_000 });
  await panelSettled(page, `opening segmentation ${index + 1}`);
}

interface Step {
  name: string;
  /** MiB the step should add if each voxel it brings is held once; null for the baseline. */
  expectMiB: number | null;
  why: string;
  s: Sample;
}

const HEADER = '  step                              host PSS   Chromium PSS (renderer / GPU)   renderer+host* PSS   total PSS (×base)   RSS sum    JS heap   Δ total PSS (expected if held once: what)';
const mib = (n: number): string => `${n.toFixed(0).padStart(5)} MiB`;

function stepLine({ name, expectMiB, why, s }: Step, previous: Sample | null, base: Sample): string {
  const kinds = byKind(s.browser);
  const split = `(${(kinds.get('renderer') ?? 0).toFixed(0)} / ${(kinds.get('gpu-process') ?? 0).toFixed(0)})`;
  const delta = previous ? totalPss(s) - totalPss(previous) : null;
  return (
    `  ${name.padEnd(32)} ${mib(pssOrRss(s.host))}  ${mib(pssOrRss(s.browser))} ${split.padEnd(14)}  ${mib(appPss(s))}           ${mib(totalPss(s))} (×${(totalPss(s) / totalPss(base)).toFixed(2)})  ${mib(totalRss(s))}  ${mib(s.heapMiB)}` +
    (delta === null ? '' : `   ${delta >= 0 ? '+' : ''}${delta.toFixed(0)} MiB (${expectMiB?.toFixed(0) ?? '?'}: ${why})`)
  );
}

export async function run(): Promise<void> {
  const rendererDir = process.env.VESALIUS_RENDERER_DIR ?? path.join(projectRoot, 'dist', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    console.log(`memory bench skipped: no built renderer at ${rendererDir} (run npm run build:renderer)`);
    return;
  }
  if (!existsSync(chromiumPath)) {
    console.log(`memory bench skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  if (!existsSync('/proc/self/status')) {
    console.log('memory bench skipped: no /proc to read process memory from (Linux only)');
    return;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'vesalius-bench-memory-'));
  const host = await startHost({ port: 0, dataDir: null, home: path.join(work, 'home'), rendererDir, cacheDir: path.join(work, 'cache') });
  // A browser server, so the root of the process tree measured is known.
  const server = await chromium.launchServer({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  });
  const browser = await chromium.connect(server.wsEndpoint());
  try {
    const browserPid = server.process().pid;
    if (!browserPid) throw new Error('memory bench: Chromium was started without a process id to measure');
    const { seriesDir, seriesInstanceUid, how } = await benchSeries(work);
    console.log(`series: ${SIZE} × ${SIZE} × ${SLICES} int16 phantom (voxels ${CT_MIB.toFixed(0)} MiB as Int16; one segment's mask ${MASK_MIB.toFixed(0)} MiB as Uint8), ${how}`);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    await page.goto(host.url);
    await page.getByTestId('open-path-input').fill(seriesDir);
    await page.getByTestId('open-path-submit').click();
    await page.getByTestId('import-panel').and(page.locator('[data-phase="done"]')).waitFor({ timeout: 300_000 });
    await page.locator('[data-testid="viewport"]:not([data-rendered-at=""])').waitFor({ timeout: 60_000 });
    const steps: Step[] = [];
    // Each step is printed as it is measured: a later step that times out still leaves the earlier figures.
    const record = (step: Step): void => {
      if (steps.length === 0) console.log(HEADER);
      console.log(stepLine(step, steps[steps.length - 1]?.s ?? null, steps[0]?.s ?? step.s));
      steps.push(step);
    };
    record({ name: '1×1 stack, no segmentation', expectMiB: null, why: 'baseline', s: await sample(page, browserPid) });

    const maskSetIds: string[] = [];
    for (let i = 0; i < SEGMENTATIONS; i++) maskSetIds.push(await makeSegmentation(host, seriesInstanceUid, i));

    // In the stack first, so each segmentation's cost is apart from the volume's: the Segments dock opens the
    // newest drawn segmentation by itself (loading the stack's images for its grid first), then the others in turn.
    const newest = SEGMENTATIONS - 1;
    await page.getByTestId('segments-toggle').click({ timeout: 300_000 });
    await editorOf(page, maskSetIds[newest]).waitFor({ timeout: 600_000 });
    await panelSettled(page, `opening segmentation ${newest + 1}`);
    record({ name: `1×1 + segmentation ${newest + 1} (dock)`, expectMiB: CT_MIB + MASK_MIB, why: 'stack images for the grid + its mask (its labelmap views the mask)', s: await sample(page, browserPid) });
    for (let i = 0; i < newest; i++) {
      await openSegmentation(page, i, maskSetIds[i]);
      record({ name: `1×1 + segmentation ${i + 1} opened`, expectMiB: 0, why: 'its mask; the previous one, only looked at, let go', s: await sample(page, browserPid) });
    }
    // Let go when the next one opened, it is read from the store again (and the one shown let go). Growth here is
    // masks or labelmaps not freed; growth above it, in opening a segmentation the first time, is in reading its content.
    await openSegmentation(page, newest, maskSetIds[newest]);
    record({ name: `1×1, segmentation ${newest + 1} again`, expectMiB: 0, why: 'read again, the shown one let go', s: await sample(page, browserPid) });

    const mprStarted = performance.now();
    // On a loaded machine the page can be busy for a while after the last segmentation opened.
    await page.getByTestId('command-layout.1x3').click({ timeout: 300_000 });
    await page.locator('[data-testid="mpr-views"][data-status="ready"]').waitFor({ timeout: 600_000 });
    const mprSeconds = (performance.now() - mprStarted) / 1000;
    const scalarType = (await page.getByTestId('mpr-views').getAttribute('data-scalar-type')) || 'unknown';
    const volumeMiB = scalarType === 'Float32Array' ? CT_MIB * 2 : CT_MIB;
    record({ name: `1×3 MPR, ${SEGMENTATIONS} segmentations`, expectMiB: volumeMiB, why: `the volume (${scalarType}; loaded in ${mprSeconds.toFixed(0)} s) and the open labelmap in its views`, s: await sample(page, browserPid) });

    const base = steps[0].s;
    const last = steps[steps.length - 1].s;
    const incomplete = [last.host, last.browser].some((t) => !t.pssComplete);
    const lastKinds = byKind(last.browser);
    console.log(
      `  with MPR and ${SEGMENTATIONS} segmentations: renderer + host* ${mib(appPss(last))} PSS (renderer ${(lastKinds.get('renderer') ?? 0).toFixed(0)}, host ${pssOrRss(last.host).toFixed(0)}, other Chromium ${(appPss(last) - (lastKinds.get('renderer') ?? 0) - pssOrRss(last.host)).toFixed(0)} MiB) — target ${TARGET_MIB.toFixed(0)} MiB: ${appPss(last) <= TARGET_MIB ? 'met' : 'NOT met'} (${((appPss(last) / TARGET_MIB) * 100).toFixed(0)}% of it); GPU process ${mib(gpuPss(last))} apart; baseline (1×1, no segmentation) renderer + host* ${mib(appPss(base))}, ×${(appPss(last) / appPss(base)).toFixed(2)}`,
    );
    console.log('  (* renderer + host: the host process and every Chromium process but the GPU one, PSS; the GPU process holds the volume texture in system memory only because this machine renders in software)');
    console.log(
      `  every process, the GPU one too: ${(totalPss(last) / 1024).toFixed(2)} GiB PSS${incomplete ? ' (some PSS unreadable: RSS used there)' : ''}, ${(totalRss(last) / 1024).toFixed(2)} GiB RSS summed per process (upper bound: shared pages counted in every process) — target ${(TARGET_MIB / 1024).toFixed(1)} GiB: ${totalPss(last) <= TARGET_MIB ? 'met' : 'NOT met'} (PSS ${((totalPss(last) / TARGET_MIB) * 100).toFixed(0)}% of it; ×${(totalPss(last) / totalPss(base)).toFixed(2)} the 1×1 baseline)`,
    );
    console.log(`  (${SEGMENTATIONS} segmentations of one ~2.4 M-voxel segment each, made through masks.create + masks.saveSlices; the host is this bench process, so its figure includes the Playwright client and the bench's own buffers)`);
  } finally {
    await browser.close();
    await server.close();
    await host.close();
    await rm(work, { recursive: true, force: true });
  }
}
