import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratchFolder } from '../core/fixtures/scratch-folder';
import type { DeidExportReport } from '../core/report/deid/export-files';
import { optionCodes } from '../core/report/deid/method-codes';
import { SEEDED_PHI, writePhiStudy, type PhiStudy } from '../core/report/deid/phi-study.fixtures';
import { runCli } from './main';
import { vesalius } from './test-run';

const scratch = scratchFolder('deid-cli');

/** The command run in process (fast, no start-up per call); one test below spawns bin/vesalius as the smoke test. */
async function deidentify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['deidentify', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
let study: PhiStudy;

beforeAll(async () => {
  study = await writePhiStudy(path.join(scratch.path, 'study'));
});

describe('vesalius deidentify', () => {
  it('writes one de-identified file per DICOM file at its relative path, lists the skipped file, exits 0; --json is the summary (bin/vesalius spawned)', async () => {
    const out = path.join(scratch.path, 'out-json');
    const run = await vesalius(['deidentify', study.root, '--out', out, '--option', 'modified-dates,retain-safe-private', '--json'], {});
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DeidExportReport;
    expect(report.options).toEqual(['modified-dates', 'retain-safe-private']);
    expect(report.failed).toEqual([]);
    expect(report.skipped).toEqual([{ source: study.notDicom, reason: expect.stringContaining('not a DICOM Part 10 file') }]);
    expect(report.files).toHaveLength(7);
    for (const file of report.files) {
      expect(file.output).toBe(path.join(out, path.relative(study.root, file.source)));
      expect(existsSync(file.output)).toBe(true);
      expect(file.actions.uidsReplaced).toBeGreaterThan(0);
      const bytes = readFileSync(file.output);
      for (const seed of [SEEDED_PHI.familyName, SEEDED_PHI.patientId, SEEDED_PHI.accession, SEEDED_PHI.institution]) expect(bytes.includes(Buffer.from(seed)), `${seed} in ${file.output}`).toBe(false);
    }
    const slice4 = report.files.find((f) => f.source === study.ct[3].file);
    expect(slice4?.flags.map((f) => f.code)).toEqual(['burned-in-annotation']);
    expect(existsSync(path.join(out, 'notes.txt'))).toBe(false);
  });

  it('prints what it did in words', async () => {
    const run = await deidentify([study.ct[0].file, '--out', path.join(scratch.path, 'out-text')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`→ ${path.join(scratch.path, 'out-text', 'slice-1.dcm')}`);
    expect(run.stdout).toMatch(/\d+ removed, .*UIDs replaced/);
    expect(run.stdout).toContain('1 file(s) de-identified');
  });

  it('puts each of several inputs in a folder named after it', async () => {
    const out = path.join(scratch.path, 'out-several');
    const run = await deidentify([path.join(study.root, 'ct'), path.join(study.root, 'seg'), '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['ct', 'seg']);
    expect((await readdir(path.join(out, 'seg')))).toEqual(['lesion.dcm']);
  });

  it('refuses an output folder inside an input (or the input itself) and writes nothing', async () => {
    const inside = path.join(study.root, 'deid-out');
    const run = await deidentify([study.root, '--out', inside]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('overlap');
    expect(existsSync(inside)).toBe(false);
    const same = await deidentify([study.root, '--out', study.root]);
    expect(same.code).toBe(2);
  });

  it('exits 1 and names the reason for a damaged DICOM file; the other files are still written', async () => {
    const dir = path.join(scratch.path, 'damaged');
    await mkdir(dir, { recursive: true });
    const good = readFileSync(study.ct[0].file);
    await writeFile(path.join(dir, 'good.dcm'), good);
    await writeFile(path.join(dir, 'cut.dcm'), good.subarray(0, good.length - 40));
    const out = path.join(scratch.path, 'out-damaged');
    const run = await deidentify([dir, '--out', out, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DeidExportReport;
    expect(report.files.map((f) => path.basename(f.output))).toEqual(['good.dcm']);
    expect(report.failed).toEqual([{ source: path.join(dir, 'cut.dcm'), reason: expect.stringMatching(/^element \(7FE0,0010\) declares \d+ bytes but only \d+ remain \(at byte \d+\)$/) }]);
  });

  it('says what is wrong with the command line', async () => {
    const unknown = await deidentify([study.root, '--out', path.join(scratch.path, 'x'), '--option', 'keep-everything']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--option 'keep-everything' is not '[a-z-]+'(, '[a-z-]+')* or '[a-z-]+'/);
    const noOut = await deidentify([study.root]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out is required');
    const missing = await deidentify([path.join(scratch.path, 'nothing-here'), '--out', path.join(scratch.path, 'y')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not found');
    const both = await deidentify([study.root, '--out', path.join(scratch.path, 'z'), '--option', 'retain-full-dates', '--option', 'modified-dates']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('the options retain-full-dates and modified-dates exclude each other');
    expect(existsSync(path.join(scratch.path, 'z'))).toBe(false);
  });

  it('--help documents every option with its CID 7050 code and what Clean Descriptors cannot do', async () => {
    const help = await deidentify(['--help']);
    expect(help.code).toBe(0);
    for (const [option, code] of Object.entries(optionCodes)) expect(help.stdout, option).toMatch(new RegExp(`${option} [^]*?\\(${code.value}\\)`));
    expect(help.stdout).toContain('cannot find a name');
  });

  it('--option retain-institution-identity,retain-full-dates keeps the institution and the dates, nothing else', async () => {
    const out = path.join(scratch.path, 'out-institution-dates');
    const run = await deidentify([path.join(study.root, 'ct'), '--out', out, '--option', 'retain-institution-identity,retain-full-dates', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DeidExportReport;
    const bytes = readFileSync(report.files[0].output);
    for (const kept of [SEEDED_PHI.institution, SEEDED_PHI.department, SEEDED_PHI.studyDate]) expect(bytes.includes(Buffer.from(kept)), kept).toBe(true);
    for (const gone of [SEEDED_PHI.familyName, SEEDED_PHI.patientId, SEEDED_PHI.referrer, SEEDED_PHI.stationName, SEEDED_PHI.studyDescription]) expect(bytes.includes(Buffer.from(gone)), gone).toBe(false);
    expect(bytes.includes(Buffer.from('113112'))).toBe(true);
    expect(bytes.includes(Buffer.from('113106'))).toBe(true);
  });
});
