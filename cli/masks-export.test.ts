import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provenance } from '../core/annotations/model';
import type { Series } from '../core/contract/dicom';
import { encodeDicomSeg } from '../core/masks/seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from '../core/masks/seg-writer.fixtures';
import { segSourceOfSeries } from '../core/masks/seg-writer-source';
import { StoreHandle } from '../core/store/store-handle';
import { vesalius } from './test-run';

// An oblique 10×8×6 series in the catalog and a 3-segment SEG of it (segments 1 and 2 overlap) in the store.
let tmp: string;
let home: string;
let series: Series;
let segmentationId: string;
const content = overlappingContent([10, 8, 6]);
const count = (n: number) => content.masks.get(n)!.reduce((a, v) => a + v, 0);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-export-'));
  home = path.join(tmp, 'home');
  series = await writeSourceSeries(path.join(tmp, 'scans', 'oblique'), { columns: 10, rows: 8, slices: 6, ...testPlanes.oblique });
  const imported = await vesalius(['import', path.join(tmp, 'scans')], { VESALIUS_HOME: home });
  if (imported.code !== 0) throw new Error(imported.stderr);
  const provenance: Provenance = { role: 'annotator', author: 'A', origin: { kind: 'drawn' } };
  const seg = path.join(tmp, 'drawn.dcm');
  await writeFile(seg, encodeDicomSeg({ source: await segSourceOfSeries(series), content, provenance, versionNumber: 1, name: 'drawn' }).bytes);
  const opened = await vesalius(['masks', 'import', seg, '--json'], { VESALIUS_HOME: home });
  if (opened.code !== 0) throw new Error(opened.stderr);
  segmentationId = (JSON.parse(opened.stdout) as { opened: { maskSetId: string }[] }).opened[0].maskSetId;
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius masks export', () => {
  it('writes a DICOM SEG that re-imports to the same voxel counts, passes dciodvfy, and is audited', async () => {
    const env = { VESALIUS_HOME: home };
    const out = path.join(tmp, 'out', 'export.dcm');
    mkdirSync(path.dirname(out), { recursive: true });
    const exported = await vesalius(['masks', 'export', segmentationId, '--format', 'seg', '--out', out, '--json'], env);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const doc = JSON.parse(exported.stdout) as { path: string; bytes: number; segments: { number: number; voxelCount: number }[]; frameCount: number };
    expect(doc.path).toBe(out);
    expect(doc.bytes).toBe(statSync(out).size);
    expect(doc.segments).toEqual([1, 2, 3].map((n) => ({ number: n, fileNumber: n, voxelCount: count(n) })));
    if (existsSync('/usr/bin/dciodvfy')) {
      const run = spawnSync('/usr/bin/dciodvfy', [out], { encoding: 'utf8' });
      expect(`${run.stdout}\n${run.stderr}`.split('\n').filter((l) => /^\s*Error/.test(l))).toEqual([]);
    }
    const again = await vesalius(['masks', 'import', out, '--json'], env);
    expect(again.code).toBe(0);
    const labels = (JSON.parse(again.stdout) as { opened: { labels: { value: number; name: string; voxelCount: number }[] }[] }).opened[0].labels;
    expect(labels).toEqual(content.segments.map((s) => ({ value: s.number, name: s.label, voxelCount: count(s.number) })));

    const audit = new StoreHandle(path.join(home, 'annotations.db'));
    const entries = audit.use((store) => store.auditLog({ segmentationId }));
    audit.close();
    if (!entries.ok) throw new Error(entries.error.message);
    expect(entries.value.filter((e) => e.action === 'export').map((e) => e.detail)).toEqual([{ target: `DICOM SEG ${out}` }]);
  });

  it('writes chosen segments as NIfTI and refuses overlapping ones with the reason, exit 1', async () => {
    const env = { VESALIUS_HOME: home };
    const out = path.join(tmp, 'labels.nii.gz');
    const exported = await vesalius(['masks', 'export', segmentationId, '--format', 'nifti', '--out', out, '--segments', '1,3'], env);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`Wrote ${out}: NIfTI label map`);
    expect(exported.stdout).toContain(`segment 3: ${count(3)} voxels`);
    const reimported = await vesalius(['masks', 'import', out, '--series', series.seriesInstanceUid, '--json'], env);
    expect(reimported.code).toBe(0);
    expect((JSON.parse(reimported.stdout) as { opened: { labels: { value: number; voxelCount: number }[] }[] }).opened[0].labels.map((l) => [l.value, l.voxelCount])).toEqual([
      [1, count(1)],
      [3, count(3)],
    ]);
    const refused = await vesalius(['masks', 'export', segmentationId, '--format', 'nifti', '--out', path.join(tmp, 'all.nii.gz')], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^vesalius masks export: masks\.export: segmentation seg-[0-9a-f]{16} \(drawn\.dcm\): segments 1 and 2 overlap in \d+ voxels; a NIfTI label map holds one segment per voxel/);
    expect(existsSync(path.join(tmp, 'all.nii.gz'))).toBe(false);
  });

  it('says what is wrong with its arguments (exit 2)', async () => {
    const env = { VESALIUS_HOME: home };
    const noFormat = await vesalius(['masks', 'export', segmentationId, '--out', 'x.dcm'], env);
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toContain('--format is required (seg or nifti)');
    expect((await vesalius(['masks', 'export', 'not-an-id', '--format', 'seg', '--out', 'x.dcm'], env)).code).toBe(2);
    const badSegments = await vesalius(['masks', 'export', segmentationId, '--format', 'seg', '--out', 'x.dcm', '--segments', '1,x'], env);
    expect(badSegments.code).toBe(2);
    expect(badSegments.stderr).toContain("--segments '1,x': 'x' is not a segment number");
    const unknown = await vesalius(['masks', 'export', segmentationId, '--format', 'seg', '--out', path.join(tmp, 'u.dcm'), '--segments', '9'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('segment 9 is not in the segmentation (it has 1, 2, 3)');
  });
});
