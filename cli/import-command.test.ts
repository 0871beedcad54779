import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../core/catalog/catalog';
import { importSummarySchema } from '../core/contract/dicom';
import { writeTinyStudy } from '../core/catalog/test-fixtures';
import { vesalius } from './test-run';

let tmp: string;
let home: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-import-'));
  home = path.join(tmp, 'home');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius import', () => {
  it('imports into the catalog of VESALIUS_HOME, grants the paths, and skips unchanged files the second time', async () => {
    const study = await writeTinyStudy(path.join(tmp, 'scans'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20240102', modality: 'CT', studyDescription: 'Chest' });
    writeFileSync(path.join(tmp, 'scans', 'readme.txt'), 'not DICOM');
    const first = await vesalius(['import', path.join(tmp, 'scans'), '--json'], { VESALIUS_HOME: home });
    expect(first.code).toBe(0);
    const summary = importSummarySchema.parse(JSON.parse(first.stdout));
    expect(summary).toMatchObject({ fileCount: 4, added: 4, unchanged: 0, studyKeys: [study.studyUid], seriesKeys: [study.seriesUid] });
    expect(summary.errors).toMatchObject([{ path: path.join(tmp, 'scans', 'readme.txt'), code: 'not_dicom' }]);

    const again = await vesalius(['import', path.join(tmp, 'scans')], { VESALIUS_HOME: home });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 added, 0 updated, 4 unchanged, 0 now missing; 1 not imported.');
    expect(again.stdout).toContain(`series ${study.seriesUid}`);
    expect(again.stdout).toMatch(/readme\.txt: /);

    const catalog = Catalog.open(home);
    try {
      expect(catalog.checkGranted(study.files[0]).ok).toBe(true);
      expect(catalog.grantedRoots()).toEqual([{ path: path.join(tmp, 'scans'), how: 'cli' }]);
    } finally {
      catalog.close();
    }
  });

  it('exits 1 when a path cannot be read or a file given by name is rejected, naming it', async () => {
    const missing = path.join(tmp, 'nope');
    const result = await vesalius(['import', missing], { VESALIUS_HOME: home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${missing}: cannot access`);
    const text = path.join(tmp, 'notes.txt');
    writeFileSync(text, 'hello');
    const rejected = await vesalius(['import', text, '--json'], { VESALIUS_HOME: home });
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout).errors).toMatchObject([{ path: text, code: 'not_dicom' }]);
  });

  it('exits 2 on usage errors', async () => {
    expect((await vesalius(['import'], { VESALIUS_HOME: home })).code).toBe(2);
    const unknown = await vesalius(['import', '--frobnicate', tmp], { VESALIUS_HOME: home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
  });

  it('exits 1 with the reason when the home cannot be used', async () => {
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, '');
    const result = await vesalius(['import', tmp], { VESALIUS_HOME: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`data home ${file}`);
  });
});
