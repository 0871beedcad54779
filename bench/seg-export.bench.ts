// DICOM SEG (and NIfTI) export of 3 segments on a 512×512×200 series, against writing the raw mask
// bytes of the same segments to a file in the same run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SegmentationContent } from '../core/annotations/model';
import { newUid } from '../core/dicom/part10-writer';
import { encodeNiftiLabels } from '../core/masks/nifti-writer';
import { encodeDicomSeg, type SegSource } from '../core/masks/seg-writer';

const SHAPE = [512, 512, 200] as const;
const ROUNDS = 3;

/** Three organ-like segments over most of the stack: a body ellipse, a lung inside it (overlapping), a small lesion. */
function threeSegments(): SegmentationContent {
  const [w, h, d] = SHAPE;
  const masks = new Map([1, 2, 3].map((n) => [n, new Uint8Array(w * h * d)]));
  for (let z = 20; z < 180; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = x + w * (y + h * z);
        if (((x - 256) / 200) ** 2 + ((y - 256) / 150) ** 2 <= 1) masks.get(1)![i] = 1;
        if (((x - 190) / 60) ** 2 + ((y - 240) / 90) ** 2 <= 1) masks.get(2)![i] = 1;
        if (z > 90 && z < 110 && (x - 330) ** 2 + (y - 250) ** 2 <= 12 ** 2) masks.get(3)![i] = 1;
      }
    }
  }
  return {
    shape: SHAPE,
    segments: [
      { number: 1, label: 'body', color: [230, 25, 75] },
      { number: 2, label: 'lung', color: [60, 180, 75] },
      { number: 3, label: 'lesion', color: [255, 225, 25] },
    ],
    masks,
  };
}

/** An axial 0.7 mm × 0.7 mm × 1.25 mm series, as the writer sees it (no files needed to time the writer). */
function axialSource(): SegSource {
  return {
    description: 'bench series',
    seriesInstanceUid: newUid(),
    frameOfReferenceUid: newUid(),
    rows: SHAPE[1],
    columns: SHAPE[0],
    orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacingMm: [0.7, 0.7],
    sliceThicknessMm: 1.25,
    frames: Array.from({ length: SHAPE[2] }, (_, z) => ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: newUid(), frameNumber: null, positionMm: [-179, -179, z * 1.25] as const })),
    patientStudy: { PatientName: 'Bench^Series', PatientID: 'B1', StudyInstanceUID: newUid(), StudyDate: '', StudyTime: '', ReferringPhysicianName: '', StudyID: '', AccessionNumber: '', PatientBirthDate: '', PatientSex: '' },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  const content = threeSegments();
  const source = axialSource();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-bench-seg-'));
  try {
    const raw: number[] = [];
    const seg: number[] = [];
    const nifti: number[] = [];
    let segBytes = 0;
    let frames = 0;
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(time(() => writeFileSync(path.join(dir, 'raw.bin'), Buffer.concat([...content.masks.values()]))));
      seg.push(
        time(() => {
          const written = encodeDicomSeg({ source, content, provenance: { role: 'annotator', author: 'bench', origin: { kind: 'drawn' } }, versionNumber: 1, name: 'bench' });
          writeFileSync(path.join(dir, 'seg.dcm'), written.bytes);
          segBytes = written.bytes.length;
          frames = written.frameCount;
        }),
      );
      nifti.push(time(() => writeFileSync(path.join(dir, 'labels.nii.gz'), encodeNiftiLabels({ source, content, segmentNumbers: [2, 3], name: 'bench' }).bytes)));
    }
    const rawMs = median(raw);
    const segMs = median(seg);
    const niftiMs = median(nifti);
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(`3 segments on ${SHAPE.join('×')}: raw mask bytes (${mb(3 * SHAPE[0] * SHAPE[1] * SHAPE[2])} MiB) written in ${rawMs.toFixed(0)} ms (baseline)`);
    console.log(`DICOM SEG export: ${segMs.toFixed(0)} ms for ${frames} frames, ${mb(segBytes)} MiB (${(segMs / rawMs).toFixed(2)}× the raw write)`);
    console.log(`NIfTI .nii.gz export of 2 non-overlapping segments: ${niftiMs.toFixed(0)} ms (${(niftiMs / rawMs).toFixed(2)}× the raw write)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
