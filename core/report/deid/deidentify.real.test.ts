// The de-identifier over every file under <data>/dicom (pydicom's, highdicom's and dcmqi's test files and
// a real CT series): each is written, skipped or refused with its reason, never a crash; outputs parse
// with pydicom; the real SEG and SR still point at the de-identified images, SEG and map they referenced.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../../config/data-dir';
import { scratchFolder } from '../../fixtures/scratch-folder';
import { deidentifyFiles, type DeidExportReport } from './export-files';

const dataDir = resolveDataDir();
if (!dataDir) console.warn(`deidentify real data: ${dataDirMissingMessage()}`);
const PYTHON = '/usr/bin/python3';
const hasPydicom = spawnSync(PYTHON, ['-c', 'import pydicom'], { stdio: 'ignore' }).status === 0;

const scratch = scratchFolder('deid-real');

/** Every ReferencedSOPInstanceUID in the file, at any depth, and its own SOP Instance UID. */
function uidsOf(file: string): { own: string; series: string; referenced: Set<string> } {
  const ds = dicomParser.parseDicom(readFileSync(file));
  const referenced = new Set<string>();
  const walk = (set: dicomParser.DataSet): void => {
    for (const [tag, element] of Object.entries(set.elements)) {
      if (element.items) for (const item of element.items) if (item.dataSet) walk(item.dataSet);
      if (tag === 'x00081155') referenced.add(set.string(tag) ?? '');
    }
  };
  walk(ds);
  return { own: ds.string('x00080018') ?? '', series: ds.string('x0020000e') ?? '', referenced };
}

describe.skipIf(!dataDir)('de-identifying the real DICOM test files', () => {
  let report: DeidExportReport;
  const dicom = path.join(dataDir ?? '', 'dicom');
  const out = (relative: string): string => path.join(scratch.path, 'out', relative);

  beforeAll(async () => {
    report = await deidentifyFiles([dicom], path.join(scratch.path, 'out'), []);
  }, 120_000);

  it('writes, skips or refuses each file with its reason', () => {
    expect(report.files.length).toBeGreaterThan(150);
    for (const s of report.skipped) expect(s.reason).toMatch(/not a DICOM Part 10 file|a DICOMDIR/);
    // Only the deliberately damaged files are refused, each with what is wrong and where.
    expect(report.failed.length).toBeLessThan(10);
    for (const f of report.failed) {
      expect(path.basename(f.source)).toMatch(/truncated|nooffset|missing|SC_rgb_jpeg/);
      expect(f.reason).toMatch(/\(at byte \d+\)|Transfer Syntax UID/);
    }
  });

  it.skipIf(!hasPydicom)('every output parses with pydicom, every value decoded', () => {
    const script = 'import sys, pydicom\nbad = []\nfor f in sys.argv[1:]:\n    try:\n        str(pydicom.dcmread(f))\n    except Exception as e:\n        bad.append(f + ": " + repr(e))\nprint("\\n".join(bad))\n';
    const run = spawnSync(PYTHON, ['-c', script, ...report.files.map((f) => f.output)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('');
  });

  it("dcmqi's liver SEG points at the de-identified CT slices, and its SR at the de-identified SEG and parametric map", () => {
    const cts = ['01', '02', '03'].map((n) => uidsOf(out(path.join('dcmqi', 'segmentations', 'ct-3slice', `${n}.dcm`))));
    const seg = uidsOf(out(path.join('dcmqi', 'segmentations', 'liver.dcm')));
    const sourceSeg = uidsOf(path.join(dicom, 'dcmqi', 'segmentations', 'liver.dcm'));
    expect(seg.referenced.size).toBeGreaterThan(0);
    for (const uid of seg.referenced) expect(cts.map((c) => c.own)).toContain(uid);
    for (const uid of sourceSeg.referenced) expect(seg.referenced.has(uid)).toBe(false);
    expect(new Set(cts.map((c) => c.series)).size).toBe(1);
    const sr = uidsOf(out(path.join('dcmqi', 'sr-example', 'sr.dcm')));
    expect(sr.referenced.has(uidsOf(out(path.join('dcmqi', 'sr-example', 'seg.dcm'))).own)).toBe(true);
    expect(sr.referenced.has(uidsOf(out(path.join('dcmqi', 'sr-example', 'rwvm.dcm'))).own)).toBe(true);
  });
});
