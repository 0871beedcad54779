import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import type { Provenance, SegmentationContent } from '../annotations/model';
import type { Series } from '../contract/dicom';
import { scratchFolder } from '../fixtures/scratch-folder';
import { fitToSeries } from '../services/mask-series-fit';
import { dicomLabToRgb } from './cielab';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, VESALIUS_VERSION } from '../dicom/writer-identity';
import { readMaskFile } from './read-mask';
import { encodeDicomSeg, SegWriteError, type SegSource, type SegWriteInput } from './seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from './seg-writer.fixtures';
import { segSourceOfSeries } from './seg-writer-source';
import { hasDciodvfy, dciodvfyErrors } from '../fixtures/dciodvfy';

const hasPydicom = spawnSync('/usr/bin/python3', ['-c', 'import pydicom'], { stdio: 'ignore' }).status === 0;
if (!hasDciodvfy) console.warn('seg-writer: dciodvfy (Debian dicom3tools) is not installed; the validator checks are skipped');
if (!hasPydicom) console.warn('seg-writer: /usr/bin/python3 with pydicom is not available; the pydicom voxel counts are skipped');

const scratch = scratchFolder('seg-writer');
const annotator: Provenance = { role: 'annotator', author: 'Ann Otator', origin: { kind: 'drawn' } };

/** Per-segment voxel counts as pydicom reads the file (bits unpacked by numpy, frames grouped by ReferencedSegmentNumber). */
function pydicomCounts(file: string): Record<string, number> {
  const script = `
import sys, json, numpy, pydicom
ds = pydicom.dcmread(sys.argv[1])
frames = ds.Rows * ds.Columns
bits = numpy.unpackbits(numpy.frombuffer(ds.PixelData, dtype=numpy.uint8), bitorder='little')
counts = {}
for f, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
    n = str(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
    counts[n] = counts.get(n, 0) + int(bits[f * frames:(f + 1) * frames].sum())
print(json.dumps(counts))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, number>;
}

const countOf = (mask: Uint8Array): number => mask.reduce((n, v) => n + v, 0);

async function exportAndReadBack(series: Series, content: SegmentationContent, name: string, extra: Partial<SegWriteInput> = {}) {
  const source = await segSourceOfSeries(series);
  const written = encodeDicomSeg({ source, content, provenance: annotator, versionNumber: 1, name, ...extra });
  const file = await scratch.write(`${name}.dcm`, written.bytes);
  const read = await readMaskFile(file);
  const fitted = await fitToSeries(file, read, series);
  if (typeof fitted === 'string') throw new Error(fitted);
  return { written, file, fitted };
}

describe('DICOM SEG writer', () => {
  for (const [planeName, plane] of Object.entries(testPlanes)) {
    it(`round-trips overlapping segments on a ${planeName} series to identical voxels, passing dciodvfy and pydicom`, async () => {
      const series = await writeSourceSeries(path.join(scratch.path, planeName), { columns: 13, rows: 11, slices: 7, ...plane });
      const content = overlappingContent([13, 11, 7]);
      const { written, file, fitted } = await exportAndReadBack(series, content, `${planeName}-seg`);
      expect(written.segmentNumberMap).toEqual(new Map([[1, 1], [2, 2], [3, 3]]));
      for (const segment of content.segments) {
        const back = fitted.segments!.get(segment.number)!;
        expect(back.name).toBe(segment.label);
        expect(Buffer.from(back.volume.data as Uint8Array).equals(Buffer.from(content.masks.get(segment.number)!))).toBe(true);
      }
      // Segments 1 and 2 overlap: both are whole, not flattened into the label map.
      const overlap = content.masks.get(1)!.reduce((n, v, i) => n + (v && content.masks.get(2)![i] ? 1 : 0), 0);
      expect(overlap).toBeGreaterThan(0);
      expect(fitted.overlapVoxelCount).toBe(overlap);
      if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
      if (hasPydicom) {
        expect(pydicomCounts(file)).toEqual(Object.fromEntries(content.segments.map((s) => [String(s.number), countOf(content.masks.get(s.number)!)])));
      }
    });
  }

  it('references the source image, its position and the segment in every frame, and copies the patient and study', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'refs'), { columns: 8, rows: 6, slices: 5, ...testPlanes.flipped });
    const content = overlappingContent([8, 6, 5]);
    const source = await segSourceOfSeries(series);
    const { bytes, frameCount } = encodeDicomSeg({ source, content, provenance: annotator, versionNumber: 1, name: 'refs' });
    const ds = dicomParser.parseDicom(bytes);
    const perFrame = ds.elements.x52009230.items!.map((i) => i.dataSet!);
    expect(perFrame.length).toBe(frameCount);
    // Frames: one per slice that holds the segment.
    const slicesWith = (n: number) => [...Array(5).keys()].filter((z) => content.masks.get(n)!.subarray(z * 48, (z + 1) * 48).some(Boolean));
    expect(frameCount).toBe(slicesWith(1).length + slicesWith(2).length + slicesWith(3).length);
    const item = (d: dicomParser.DataSet, tag: string) => d.elements[tag].items![0].dataSet!;
    let f = 0;
    for (const n of [1, 2, 3]) {
      for (const z of slicesWith(n)) {
        const frame = perFrame[f++];
        const sourceImage = item(item(frame, 'x00089124'), 'x00082112');
        expect(sourceImage.string('x00081155')).toBe(source.frames[z].sopInstanceUid);
        expect(sourceImage.string('x00081150')).toBe('1.2.840.10008.5.1.4.1.1.2');
        expect(item(frame, 'x0062000a').uint16('x0062000b')).toBe(n);
        expect(item(frame, 'x00209113').string('x00200032')!.split('\\').map(Number)).toEqual([...source.frames[z].positionMm!]);
      }
    }
    expect(ds.string('x00100010')).toBe('Segment^Tester');
    expect(ds.string('x00100020')).toBe('SEG-TEST-1');
    expect(ds.string('x0020000d')).toBe(source.patientStudy.StudyInstanceUID);
    expect(ds.string('x00200052')).toBe(source.frameOfReferenceUid);
    expect(ds.string('x0020000e')).not.toBe(series.seriesInstanceUid);
    expect(item(ds, 'x00081115').string('x0020000e')).toBe(series.seriesInstanceUid);
    expect(item(ds, 'x00081115').elements.x0008114a.items!.length).toBe(5);
    const pixelMeasures = item(item(ds, 'x52009229'), 'x00289110');
    expect(pixelMeasures.string('x00280030')).toBe('0.8\\0.6');
    // Vesalius names itself as the writer: file meta and Equipment module.
    expect(ds.string('x00020013')).toBe(IMPLEMENTATION_VERSION_NAME);
    expect(IMPLEMENTATION_VERSION_NAME).toMatch(/^VESALIUS_\d+\.\d+\.\d+/);
    expect(ds.string('x00020012')).toBe(IMPLEMENTATION_CLASS_UID);
    expect(ds.string('x00080070')).toBe('Vesalius');
    expect(ds.string('x00181020')).toBe(VESALIUS_VERSION);
  });

  it('carries labels, codes (Tissue by default), CIELab colours and the algorithm type from provenance', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'codes'), { columns: 8, rows: 6, slices: 4, ...testPlanes.axial });
    const content = overlappingContent([8, 6, 4]);
    const source = await segSourceOfSeries(series);
    const segmentsOf = (provenance: Provenance, versionNumber = 1) => {
      const ds = dicomParser.parseDicom(encodeDicomSeg({ source, content, provenance, versionNumber, name: 'codes' }).bytes);
      return ds.elements.x00620002.items!.map((i) => i.dataSet!);
    };
    const manual = segmentsOf(annotator);
    // Labels are UTF-8 (ISO_IR 192); dicom-parser's string() reads bytes as Latin-1, so decode them here.
    const label = (s: dicomParser.DataSet) => Buffer.from(s.byteArray.buffer, s.byteArray.byteOffset + s.elements.x00620005.dataOffset, s.elements.x00620005.length).toString('utf8').trim();
    expect(manual.map(label)).toEqual(['Liver', 'Lésion (中)', 'Corner marker']);
    expect(manual.map((s) => s.string('x00620008'))).toEqual(['MANUAL', 'MANUAL', 'MANUAL']);
    expect(manual[0].elements.x00620009).toBeUndefined();
    const code = (s: dicomParser.DataSet, tag: string) => s.elements[tag].items![0].dataSet!.string('x00080104');
    expect(code(manual[0], 'x0062000f')).toBe('Liver');
    expect(code(manual[1], 'x0062000f')).toBe('Tissue');
    expect(code(manual[1], 'x00620003')).toBe('Tissue');
    for (const [k, segment] of content.segments.entries()) {
      const lab = [0, 1, 2].map((i) => manual[k].uint16('x0062000d', i)!);
      expect(dicomLabToRgb(lab)).toEqual(segment.color);
    }
    const model: Provenance = { role: 'model', author: 'pipeline', origin: { kind: 'model', name: 'LungNet', version: '2.1', prompt: null } };
    const automatic = segmentsOf(model);
    expect(automatic[0].string('x00620008')).toBe('AUTOMATIC');
    expect(automatic[0].string('x00620009')).toBe('LungNet 2.1');
    expect(segmentsOf(model, 3)[0].string('x00620008')).toBe('SEMIAUTOMATIC');
  });

  it('writes only the chosen segments, numbered 1, 2, … as DICOM asks, and refuses unknown ones by number', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'chosen'), { columns: 9, rows: 7, slices: 5, ...testPlanes.oblique });
    const content = overlappingContent([9, 7, 5]);
    const { written, fitted } = await exportAndReadBack(series, content, 'chosen', { segmentNumbers: [3, 2] });
    expect(written.segmentNumberMap).toEqual(new Map([[2, 1], [3, 2]]));
    expect([...fitted.segments!.keys()]).toEqual([1, 2]);
    expect(Buffer.from(fitted.segments!.get(1)!.volume.data as Uint8Array).equals(Buffer.from(content.masks.get(2)!))).toBe(true);
    expect(Buffer.from(fitted.segments!.get(2)!.volume.data as Uint8Array).equals(Buffer.from(content.masks.get(3)!))).toBe(true);
    const source = await segSourceOfSeries(series);
    expect(() => encodeDicomSeg({ source, content, provenance: annotator, versionNumber: 1, name: 'x', segmentNumbers: [4] })).toThrow(/segment 4 is not in the segmentation \(it has 1, 2, 3\)/);
    expect(() => encodeDicomSeg({ source, content: overlappingContent([9, 7, 4]), provenance: annotator, versionNumber: 1, name: 'x' })).toThrow(
      new SegWriteError(`segmentation 9×7×4 (columns×rows×slices) does not match series ${series.seriesInstanceUid}, 9×7×5`),
    );
  });

  it('names the source frame (ReferencedFrameNumber) when the source is one multi-frame image', async () => {
    const source: SegSource = {
      description: 'an enhanced CT',
      seriesInstanceUid: '1.2.826.0.1.3680043.8.498.5',
      frameOfReferenceUid: '1.2.826.0.1.3680043.8.498.6',
      rows: 4,
      columns: 4,
      orientation: [1, 0, 0, 0, 1, 0],
      pixelSpacingMm: [0.5, 0.5],
      sliceThicknessMm: 1,
      frames: [0, 1, 2].map((z) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1', sopInstanceUid: '1.2.826.0.1.3680043.8.498.7', frameNumber: z + 1, positionMm: [0, 0, z] as const })),
      patientStudy: { PatientName: 'Multi^Frame', PatientID: 'MF', StudyInstanceUID: '1.2.826.0.1.3680043.8.498.8' },
    };
    const mask = new Uint8Array(48);
    mask.fill(1, 16, 20); // slice 1, first row
    mask.fill(1, 40, 48); // slice 2, last two rows
    const content: SegmentationContent = { shape: [4, 4, 3], segments: [{ number: 1, label: 'x', color: [9, 9, 9] }], masks: new Map([[1, mask]]) };
    const { bytes } = encodeDicomSeg({ source, content, provenance: annotator, versionNumber: 1, name: 'multi' });
    const ds = dicomParser.parseDicom(bytes);
    const sourceImages = ds.elements.x52009230.items!.map((i) => i.dataSet!.elements.x00089124.items![0].dataSet!.elements.x00082112.items![0].dataSet!);
    expect(sourceImages.map((s) => [s.string('x00081155'), s.string('x00081160')])).toEqual([
      ['1.2.826.0.1.3680043.8.498.7', '2'],
      ['1.2.826.0.1.3680043.8.498.7', '3'],
    ]);
    expect(ds.elements.x00081115.items![0].dataSet!.elements.x0008114a.items!.length).toBe(1);
    if (hasDciodvfy) expect(dciodvfyErrors(await scratch.write('multi.dcm', bytes))).toEqual([]);
  });

  it('writes an empty segmentation as one empty frame that reads back empty', async () => {
    const series = await writeSourceSeries(path.join(scratch.path, 'empty'), { columns: 6, rows: 5, slices: 3, ...testPlanes.axial });
    const content: SegmentationContent = { shape: [6, 5, 3], segments: [{ number: 1, label: 'Nothing yet', color: [10, 20, 30] }], masks: new Map([[1, new Uint8Array(90)]]) };
    const { written, file, fitted } = await exportAndReadBack(series, content, 'empty');
    expect(written.frameCount).toBe(1);
    expect(fitted.segments!.get(1)!.voxelCount).toBe(0);
    expect(fitted.volume.shape).toEqual([6, 5, 3]);
    if (hasDciodvfy) expect(dciodvfyErrors(file)).toEqual([]);
  });
});
