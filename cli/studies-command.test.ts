import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyStudy, type WrittenStudy } from '../core/catalog/test-fixtures';
import { vesalius } from './test-run';

let tmp: string;
let home: string;
let chest: WrittenStudy;
let brain: WrittenStudy;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-cli-studies-'));
  home = path.join(tmp, 'home');
  chest = await writeTinyStudy(path.join(tmp, 'scans', 'chest'), { patientName: 'Doe^Jane', patientId: 'P1', studyDate: '20200301', modality: 'CT', studyDescription: 'Chest' });
  brain = await writeTinyStudy(path.join(tmp, 'scans', 'brain'), { patientName: 'Roe^Rick', patientId: 'P2', studyDate: '20240715', modality: 'MR', studyDescription: 'Brain' });
  const imported = await vesalius(['import', path.join(tmp, 'scans')], { VESALIUS_HOME: home });
  if (imported.code !== 0) throw new Error(imported.stderr);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vesalius studies', () => {
  it('lists studies most recent first with their series keys', async () => {
    const result = await vesalius(['studies'], { VESALIUS_HOME: home });
    expect(result.code).toBe(0);
    expect(result.stdout.indexOf('Brain')).toBeLessThan(result.stdout.indexOf('Chest'));
    expect(result.stdout).toContain(`series ${chest.seriesUid}`);
    expect(result.stdout).toContain(`study ${brain.studyUid}`);
  });

  it('filters by --query and prints JSON with --json', async () => {
    const result = await vesalius(['studies', '--query', 'jane', '--json'], { VESALIUS_HOME: home });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { total: number; studies: Array<{ studyKey: string; series: Array<{ seriesKey: string; instanceCount: number }> }> };
    expect(doc.total).toBe(1);
    expect(doc.studies).toMatchObject([{ studyKey: chest.studyUid, series: [{ seriesKey: chest.seriesUid, instanceCount: 3 }] }]);
  });

  it('says so when the catalog is empty, and exits 2 on usage errors', async () => {
    const empty = await vesalius(['studies'], { VESALIUS_HOME: path.join(tmp, 'empty-home') });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No studies in');
    expect((await vesalius(['studies', '--limit', 'many'], { VESALIUS_HOME: home })).code).toBe(2);
    expect((await vesalius(['studies', '--from', 'yesterday'], { VESALIUS_HOME: home })).code).toBe(2);
  });
});
