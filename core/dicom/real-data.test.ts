import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import { importResultSchema, type ImportResult } from '../contract/dicom';
import { FileRegistry } from './file-registry';
import { indexPaths } from './indexer';
import { allInstances, listRegularFiles, reportedPaths } from './test-helpers';

const dataDir = resolveDataDir();
const dicomDir = dataDir ? path.join(dataDir, 'dicom') : null;
if (!dicomDir || !existsSync(dicomDir)) console.warn(dataDirMissingMessage());

const codeOf = (result: ImportResult, relative: string): string | undefined => {
  const full = path.join(dicomDir ?? '', relative);
  if (allInstances(result).some((i) => i.path === full)) return 'instance';
  return result.errors.find((e) => e.path === full)?.code;
};

describe.skipIf(!dicomDir || !existsSync(dicomDir))('indexPaths on the real DICOM collection', () => {
  it('accounts for every file under dicom/ exactly once and survives the malformed ones', async () => {
    const root = dicomDir ?? '';
    const result = await indexPaths([root], { registry: new FileRegistry() });
    importResultSchema.parse(result);
    const files = (await listRegularFiles(root)).sort();
    expect([...reportedPaths(result)].sort()).toEqual(files);
    expect(result.fileCount).toBe(files.length);

    const codes: Record<string, number> = { instance: allInstances(result).length };
    for (const e of result.errors) codes[e.code] = (codes[e.code] ?? 0) + 1;
    console.log(`real dicom/: ${files.length} files ->`, codes);

    // Known files, each a different path through the importer.
    expect(codeOf(result, 'pydicom/MR_small.dcm')).toBe('instance');
    expect(codeOf(result, 'pydicom/ExplVR_BigEnd.dcm')).toBe('instance');
    expect(codeOf(result, 'pydicom/image_dfl.dcm')).toBe('instance');
    expect(codeOf(result, 'pydicom/MR_small_RLE.dcm')).toBe('duplicate');
    expect(codeOf(result, 'pydicom/MR_truncated.dcm')).toBe('truncated');
    expect(codeOf(result, 'pydicom/rtplan.dcm')).toBe('not_an_image');
    expect(codeOf(result, 'pydicom/dicomdirtests/DICOMDIR')).toBe('not_an_image');
    expect(codeOf(result, 'highdicom/seg_image_ct_binary.dcm')).toBe('not_an_image');
    expect(codeOf(result, 'highdicom/frame_rgb.jpeg')).toBe('not_dicom');
    expect(codeOf(result, 'pydicom/meta_missing_tsyntax.dcm')).toBe('missing_tag');
    expect(codeOf(result, 'pydicom/ExplVR_LitEndNoMeta.dcm')).toBe('not_an_image');
  });

  it('gives exactly one series of 20 slices, sorted by position, for ct-series-totalseg', async () => {
    const folder = path.join(dicomDir ?? '', 'ct-series-totalseg');
    const registry = new FileRegistry();
    const result = await indexPaths([folder], { registry });
    expect(result.errors).toEqual([]);
    const series = result.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    expect(series).toHaveLength(1);
    const instances = series[0].instances;
    expect(instances).toHaveLength(20);
    const z = instances.map((i) => i.imagePositionPatient?.[2] ?? NaN);
    expect(z.every(Number.isFinite)).toBe(true);
    for (let k = 1; k < z.length; k++) expect(z[k]).toBeGreaterThan(z[k - 1]);
    expect(new Set(instances.map((i) => i.transferSyntaxUid))).toEqual(new Set(['1.2.840.10008.1.2.4.90']));
    expect(instances.every((i) => i.rows === 512 && i.columns === 512)).toBe(true);
    expect(instances.every((i) => registry.resolve(i.fileKey) === i.path)).toBe(true);
  });

  it('gives the same answer with a tiny initial read (headers grown in steps)', async () => {
    const root = dicomDir ?? '';
    const registry = new FileRegistry();
    const normal = await indexPaths([root], { registry });
    const tiny = await indexPaths([root], { registry, prefixBytes: 256 });
    expect(tiny).toEqual(normal);
  });
});
