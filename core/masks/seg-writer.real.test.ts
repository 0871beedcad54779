// Every SEG under <data>/dicom whose referenced images are there too: read → write → read gives identical voxels.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentFromMaskSet } from '../annotations/from-mask-set';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import type { Series } from '../contract/dicom';
import { FileRegistry } from '../dicom/file-registry';
import { indexPaths } from '../dicom/indexer';
import { scratchFolder } from '../fixtures/scratch-folder';
import { fitToSeries } from '../services/mask-series-fit';
import { decodeDicomSeg } from './dicom-seg';
import { readMaskFile } from './read-mask';
import { encodeDicomSeg } from './seg-writer';
import { segSourceOfSeries } from './seg-writer-source';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

const dataDir = resolveDataDir();
if (!dataDir) console.warn(dataDirMissingMessage());
const hasDciodvfy = existsSync('/usr/bin/dciodvfy');
if (!hasDciodvfy) console.warn('seg-writer real data: dciodvfy (Debian dicom3tools) is not installed; the validator check is skipped');
const scratch = scratchFolder('seg-writer-real');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe.skipIf(!dataDir)('SEG round trip on the SEGs of the data directory', () => {
  it('writes every SEG whose images are present back to identical voxels, colours and labels, with no dciodvfy errors', async () => {
    const dicomDir = path.join(dataDir!, 'dicom');
    const indexed = await indexPaths([dicomDir], { registry: new FileRegistry() });
    const seriesByUid = new Map<string, Series>();
    for (const p of indexed.patients) for (const st of p.studies) for (const s of st.series) if (s.modality !== 'SEG') seriesByUid.set(s.seriesInstanceUid, s);
    const tried: string[] = [];
    const skipped: string[] = [];
    for (const file of await filesUnder(dicomDir)) {
      let seg;
      try {
        seg = decodeDicomSeg(await readFile(file), file);
      } catch (e) {
        // Not a SEG (most files), or a SEG we do not read (tiled microscopy): nothing to round-trip.
        const reason = e instanceof Error ? e.message : String(e);
        if (!/not a DICOM SEG|not a readable DICOM/.test(reason)) skipped.push(`${path.relative(dicomDir, file)} (${reason})`);
        continue;
      }
      const series = seg.referencedSeriesUid ? seriesByUid.get(seg.referencedSeriesUid) : undefined;
      const name = path.relative(dicomDir, file);
      if (!series) {
        skipped.push(`${name} (its series ${seg.referencedSeriesUid ?? '(none named)'} is not in the data directory)`);
        continue;
      }
      const first = await fitToSeries(file, await readMaskFile(file), series);
      if (typeof first === 'string') {
        skipped.push(`${name} (does not fit its series: ${first})`);
        continue;
      }
      const content = contentFromMaskSet(first);
      const written = encodeDicomSeg({ source: await segSourceOfSeries(series), content, provenance: { role: 'expert', author: 'reader', origin: { kind: 'file', path: file, format: 'dicom-seg' } }, versionNumber: 1, name: path.basename(file) });
      const out = await scratch.write(`${tried.length}-${path.basename(file)}`, written.bytes);
      const second = await fitToSeries(out, await readMaskFile(out), series);
      if (typeof second === 'string') throw new Error(`${file}: our SEG of it does not fit its series: ${second}`);
      for (const segment of content.segments) {
        const back = second.segments!.get(written.segmentNumberMap.get(segment.number)!)!;
        expect(back.name, `${file} segment ${segment.number}`).toBe(segment.label);
        expect(back.color, `${file} segment ${segment.number} colour`).toEqual(first.segments!.get(segment.number)!.color ?? segment.color);
        expect(Buffer.from(back.volume.data as Uint8Array).equals(Buffer.from(content.masks.get(segment.number)!)), `${file} segment ${segment.number} voxels`).toBe(true);
      }
      if (hasDciodvfy) {
        const run = spawnSync('/usr/bin/dciodvfy', [out], { encoding: 'utf8' });
        expect(`${run.stdout}\n${run.stderr}`.split('\n').filter((l) => /^\s*Error/.test(l)), `${file}: dciodvfy`).toEqual([]);
      }
      tried.push(name);
    }
    console.info(`seg-writer real data: round-tripped ${tried.length} SEG(s): ${tried.join(', ')}; skipped ${skipped.length}: ${skipped.join('; ')}`);
    expect(tried.length).toBeGreaterThan(0);
  }, 120_000);

  it('reads the recommended colours of dcmqi partial_overlaps.dcm as the colours its segments are named after', async () => {
    const file = path.join(dataDir!, 'dicom', 'dcmqi', 'segmentations', 'partial_overlaps.dcm');
    const colours = new Map([...decodeDicomSeg(await readFile(file), file).segments.values()].map((s) => [s.name, s.color!]));
    const [r, g, b] = [0, 1, 2];
    const green = colours.get('GREEN')!;
    expect(green[g]).toBeGreaterThan(Math.max(green[r], green[b]));
    const orange = colours.get('ORANGE')!;
    expect(orange[r]).toBeGreaterThan(orange[g]);
    expect(orange[g]).toBeGreaterThan(orange[b]);
    const purple = colours.get('PURPLE')!;
    expect(Math.min(purple[r], purple[b])).toBeGreaterThan(purple[g]);
    for (const blue of [colours.get('LIGHT_BLUE')!, colours.get('DARK_BLUE')!]) expect(blue[b]).toBeGreaterThan(Math.max(blue[r], blue[g]));
    expect(colours.get('LIGHT_BLUE')!.reduce((a, v) => a + v, 0)).toBeGreaterThan(colours.get('DARK_BLUE')!.reduce((a, v) => a + v, 0));
  });
});
