import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { angleDegrees, areaMm2, lengthMm, type MeasurementGeometry } from '../../annotations/measurement';
import { roiStats, type RoiGeometry } from '../../annotations/roi-stats';
import { scratchFolder } from '../../fixtures/scratch-folder';
import { ijkToWorld } from '../../geometry/patient-space';
import { stackVolumeGeometry } from '../../geometry/stack-geometry';
import type { Vec3 } from '../../geometry/vec3';
import { SEG_STORAGE_SOP_CLASS } from '../../masks/seg-writer';
import { writeReportStudy, type ReportStudy } from './dicom-outputs.fixtures';
import { encodeMeasurementReport, MeasurementSrError, type SrMeasurement } from './measurement-sr';
import { hasDciodvfy, dciodvfyErrors } from '../../fixtures/dciodvfy';

const PYTHON = '/usr/bin/python3';
const hasPydicom = spawnSync(PYTHON, ['-c', 'import pydicom'], { stdio: 'ignore' }).status === 0;
if (!hasDciodvfy) console.warn('measurement-sr: dciodvfy (Debian dicom3tools) is not installed; the validator check is skipped');
if (!hasPydicom) console.warn('measurement-sr: /usr/bin/python3 with pydicom is not available; the pydicom read-back is skipped');

const scratch = scratchFolder('measurement-sr');

interface ReadBack {
  evidence: Record<string, string[]>;
  refs: { sopClass: string; sop: string; frame: number | null; segment: number | null }[];
  /** `name`: the NUM's concept, or its Derivation modifier where it has one (Mean of an attenuation coefficient). */
  nums: { name: string; value: number; unit: string }[];
  templates: string[];
  flags: [string, string];
}

/** The SR as pydicom reads it: every reference in the content tree, every NUM, the evidence by series. */
function readWithPydicom(file: string): ReadBack {
  const script = `
import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
out = {'refs': [], 'nums': [], 'templates': [], 'evidence': {}, 'flags': [ds.CompletionFlag, ds.VerificationFlag]}
def walk(items):
    for item in items:
        if 'ContentTemplateSequence' in item:
            out['templates'].append(item.ContentTemplateSequence[0].TemplateIdentifier)
        if item.ValueType == 'IMAGE':
            r = item.ReferencedSOPSequence[0]
            out['refs'].append({'sopClass': r.ReferencedSOPClassUID, 'sop': r.ReferencedSOPInstanceUID,
                'frame': int(r.ReferencedFrameNumber) if 'ReferencedFrameNumber' in r else None,
                'segment': int(r.ReferencedSegmentNumber) if 'ReferencedSegmentNumber' in r else None})
        if item.ValueType == 'NUM':
            v = item.MeasuredValueSequence[0]
            mods = [c.ConceptCodeSequence[0].CodeMeaning for c in item.get('ContentSequence', []) if c.RelationshipType == 'HAS CONCEPT MOD']
            out['nums'].append({'name': mods[0] if mods else item.ConceptNameCodeSequence[0].CodeMeaning, 'value': float(v.NumericValue), 'unit': v.MeasurementUnitsCodeSequence[0].CodeValue})
        if 'ContentSequence' in item:
            walk(item.ContentSequence)
out['templates'].append(ds.ContentTemplateSequence[0].TemplateIdentifier)
walk(ds.ContentSequence)
for study in ds.CurrentRequestedProcedureEvidenceSequence:
    for series in study.ReferencedSeriesSequence:
        out['evidence'][series.SeriesInstanceUID] = [s.ReferencedSOPInstanceUID for s in series.ReferencedSOPSequence]
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })) as ReadBack;
}

/** Measurements drawn on image z of the study (points given in pixel indices, placed in patient mm). */
function measurementsOn(study: ReportStudy, z: number): SrMeasurement[] {
  const geometry = study.planeOf(z);
  const at = (i: number, j: number): [number, number, number] => [...ijkToWorld(geometry, [i, j, 0] as Vec3)] as [number, number, number];
  const frame = study.source.frames[z];
  const image = { sopClassUid: frame.sopClassUid, sopInstanceUid: frame.sopInstanceUid, frameNumber: frame.frameNumber, seriesInstanceUid: study.series.seriesInstanceUid, geometry };
  const valueAt = (index: number): number => index * 10 - 200; // a ramp of "HU"
  const withStats = (label: string, roi: RoiGeometry): SrMeasurement => {
    const stats = roiStats({ columns: 8, rows: 6, valueAt, geometry }, roi);
    if (!stats.ok) throw new Error(stats.reason);
    return { label, geometry: roi, image, roiStats: stats.stats, valueUnits: 'hounsfield' };
  };
  const shapes: MeasurementGeometry[] = [
    { kind: 'length', pointsMm: [at(1, 1), at(5, 4)] },
    { kind: 'angle', pointsMm: [at(1, 1), at(3, 3), at(6, 1)] },
  ];
  return [
    { label: 'Lesion length', geometry: shapes[0], image },
    { label: 'Angle', geometry: shapes[1], image },
    withStats('Ellipse ROI', { kind: 'ellipse', pointsMm: [at(3, 1), at(3, 5), at(1, 3), at(6, 3)] }),
    withStats('Rectangle ROI', { kind: 'rectangle', pointsMm: [at(1, 1), at(5, 1), at(1, 4), at(5, 4)] }),
  ];
}

describe('TID 1500 measurement report (Enhanced SR)', () => {
  it('holds the measurements and segment volumes, passes dciodvfy, reads in pydicom, and its references resolve to the images and SEG written with it', async () => {
    const study = await writeReportStudy(scratch.path, (name, bytes) => scratch.write(name, bytes));
    const measurements = measurementsOn(study, 2);
    const segSegments = [...study.seg.segmentNumberMap].map(([stored, fileNumber]) => ({ segmentNumber: fileNumber, label: `segment ${stored}`, volumeMl: stored * 0.25, type: { value: '108369006', scheme: 'SCT', meaning: 'Tumor' } }));
    const written = encodeMeasurementReport({
      patientStudy: study.source.patientStudy,
      measurements,
      segmentations: [{ sopInstanceUid: study.seg.sopInstanceUid, seriesInstanceUid: study.seg.seriesInstanceUid, sourceSeriesInstanceUid: study.series.seriesInstanceUid, segments: segSegments }],
      observer: 'Rad^Iologist',
      signed: { signer: 'Dr Rad', signedAt: new Date('2026-03-04T05:06:07Z') },
    });
    const file = await scratch.write('sr.dcm', written.bytes);
    if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
    if (!hasPydicom) return;
    const read = readWithPydicom(file);
    expect(read.flags).toEqual(['COMPLETE', 'VERIFIED']);
    expect(read.templates).toEqual(expect.arrayContaining(['1500', '1501', '1410', '1411']));

    // Every IMAGE item names an image of the series (at its frame) or a segment of the SEG written above.
    const images = new Map(study.series.instances.map((i) => [i.sopInstanceUid, i]));
    const segNumbers = new Set(study.seg.segmentNumberMap.values());
    for (const ref of read.refs) {
      if (ref.sopClass === SEG_STORAGE_SOP_CLASS) {
        expect(ref.sop).toBe(study.seg.sopInstanceUid);
        expect(segNumbers.has(ref.segment!)).toBe(true);
      } else {
        expect(images.get(ref.sop)?.sopClassUid).toBe(ref.sopClass);
        expect(ref.frame).toBe(study.source.frames[2].frameNumber);
      }
    }
    expect(read.refs.filter((r) => r.sop === study.source.frames[2].sopInstanceUid).length).toBeGreaterThanOrEqual(measurements.length);
    expect(read.refs.filter((r) => r.segment !== null).map((r) => r.segment).sort()).toEqual([...segNumbers].sort());
    expect(read.evidence).toEqual({ [study.series.seriesInstanceUid]: [study.source.frames[2].sopInstanceUid], [study.seg.seriesInstanceUid]: [study.seg.sopInstanceUid] });

    // The numbers are the measurement kernels' own.
    const num = (name: string) => read.nums.filter((n) => n.name === name);
    expect(num('Length')[0].value).toBeCloseTo(lengthMm(measurements[0].geometry as Extract<MeasurementGeometry, { kind: 'length' }>), 4);
    expect(num('Angle')[0].value).toBeCloseTo(angleDegrees(measurements[1].geometry as Extract<MeasurementGeometry, { kind: 'angle' }>)!, 4);
    expect(num('Area').map((n) => n.value)).toEqual([areaMm2(measurements[2].geometry as RoiGeometry), areaMm2(measurements[3].geometry as RoiGeometry)].map((v) => expect.closeTo(v, 4)));
    expect(num('Mean').map((n) => n.value)).toEqual([measurements[2].roiStats!.mean, measurements[3].roiStats!.mean].map((v) => expect.closeTo(v, 4)));
    expect(num('Mean')[0].unit).toBe("[hnsf'U]");
    expect(num('Volume').map((n) => n.value)).toEqual(segSegments.map((s) => s.volumeMl));
  });

  it('an unsigned report is PARTIAL and UNVERIFIED and still valid with segments only', async () => {
    const study = await writeReportStudy(scratch.path + '/unsigned', (name, bytes) => scratch.write(`unsigned-${name}`, bytes));
    const written = encodeMeasurementReport({
      patientStudy: study.source.patientStudy,
      measurements: [],
      segmentations: [{ sopInstanceUid: study.seg.sopInstanceUid, seriesInstanceUid: study.seg.seriesInstanceUid, sourceSeriesInstanceUid: study.series.seriesInstanceUid, segments: [{ segmentNumber: 1, label: 'one', volumeMl: 1.5 }] }],
      observer: 'Someone',
    });
    const file = await scratch.write('sr-unsigned.dcm', written.bytes);
    if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
    if (hasPydicom) expect(readWithPydicom(file).flags).toEqual(['PARTIAL', 'UNVERIFIED']);
  });

  it('names the frame of a multi-frame image it measured on; unitless statistics name their NUMs', async () => {
    const placed = stackVolumeGeometry({ orientation: [1, 0, 0, 0, 1, 0], firstPositionMm: [0, 0, 4], lastPositionMm: [0, 0, 4], sliceCount: 1, pixelSpacingMm: [0.5, 0.5] });
    if (!placed.ok) throw new Error(placed.reason);
    const image = { sopClassUid: '1.2.840.10008.5.1.4.1.1.4.1', sopInstanceUid: '1.2.826.0.1.3680043.8.498.17', frameNumber: 3, seriesInstanceUid: '1.2.826.0.1.3680043.8.498.16', geometry: placed.geometry };
    const roi: RoiGeometry = { kind: 'rectangle', pointsMm: [[0, 0, 4], [1, 0, 4], [0, 1, 4], [1, 1, 4]] };
    const written = encodeMeasurementReport({
      patientStudy: { PatientName: 'Multi^Frame', PatientID: 'MF', StudyInstanceUID: '1.2.826.0.1.3680043.8.498.18' },
      measurements: [{ label: 'MR ROI', geometry: roi, image, roiStats: { pixelCount: 4, mean: 412.5, stdDev: 3, min: 409, max: 416, areaMm2: 1 }, valueUnits: 'unitless' }],
      segmentations: [],
      observer: 'Reader',
    });
    const file = await scratch.write('sr-multiframe.dcm', written.bytes);
    if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
    if (!hasPydicom) return;
    const read = readWithPydicom(file);
    expect(read.refs).toEqual([
      { sopClass: image.sopClassUid, sop: image.sopInstanceUid, frame: 3, segment: null }, // image library
      { sopClass: image.sopClassUid, sop: image.sopInstanceUid, frame: 3, segment: null }, // the region's image
    ]);
    expect(read.nums).toEqual([
      { name: 'Area', value: 1, unit: 'mm2' },
      { name: 'Mean', value: 412.5, unit: '1' },
      { name: 'Standard Deviation', value: 3, unit: '1' },
      { name: 'Minimum', value: 409, unit: '1' },
      { name: 'Maximum', value: 416, unit: '1' },
    ]);
  });

  it('refuses a measurement whose points lie off the image it names, naming it', async () => {
    const study = await writeReportStudy(scratch.path + '/off', (name, bytes) => scratch.write(`off-${name}`, bytes));
    const [length] = measurementsOn(study, 2);
    const offImage = { ...length, image: { ...length.image, geometry: study.planeOf(0) } };
    expect(() => encodeMeasurementReport({ patientStudy: study.source.patientStudy, measurements: [offImage], segmentations: [], observer: 'x' })).toThrow(MeasurementSrError);
    expect(() => encodeMeasurementReport({ patientStudy: study.source.patientStudy, measurements: [offImage], segmentations: [], observer: 'x' })).toThrow(/^measurement "Lesion length": a point lies -?\d+\.\d\d slices off image [0-9.]+ it was drawn on$/);
  });
});
