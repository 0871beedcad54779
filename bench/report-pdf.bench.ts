// Report PDF generation with 4 key images (target ≤ 1 s), against writing the same PNG bytes to a file in the same run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { renderReportPdf, type ReportDocument } from '../core/report/pdf';

const ROUNDS = 5;
const SIDE = 512;

/** A CT-like 512×512 grey frame as renderFrame writes it: a noisy body ellipse with two darker lungs. */
function ctLikePng(seed: number): Uint8Array {
  const png = new PNG({ width: SIDE, height: SIDE, colorType: 0, inputColorType: 0, bitDepth: 8 });
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 24) / 16;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const body = ((x - 256) / 220) ** 2 + ((y - 256) / 170) ** 2 <= 1;
      const lung = ((Math.abs(x - 256) - 90) / 60) ** 2 + ((y - 240) / 100) ** 2 <= 1;
      png.data[y * SIDE + x] = body ? (lung ? 30 : 120) + noise() : 0;
    }
  }
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

function documentWith(pngs: Uint8Array[]): ReportDocument {
  return {
    header: { patientName: 'Bench^Patient', patientId: 'B-1', studyDate: '2026-01-01', studyDescription: 'CT chest', accessionNumber: 'A-1', studyKey: '1.2.3.4' },
    version: { number: 3, edition: 1, state: 'final', signature: { signer: 'Dr Bench', signedAt: '2026-01-01T10:00:00.000Z' }, supersededBy: null },
    series: [{ number: '2', modality: 'CT', description: 'Thorax 1.25 mm', images: 312 }],
    findings: 'A 12 mm solid nodule in the right upper lobe. '.repeat(40),
    impression: 'Indeterminate pulmonary nodule; follow-up CT in 3 months.',
    aiItems: [{ id: 'c', kind: 'caption', question: null, text: 'Axial chest CT.', model: { name: 'vesalius-vlm', version: '0.2.0' }, status: 'ai-draft', reviewedBy: null, reviewedAt: null }],
    keyImages: pngs.map((png, i) => ({ png, caption: `key image ${i + 1} · W/L 1500/-600` })),
    measurements: Array.from({ length: 10 }, (_, i) => ({ label: `m${i}`, kind: 'length', value: `${10 + i}.0 mm`, image: `1.2.3.4.${i} frame 1` })),
    segments: [{ segmentation: 'lungs', segment: '1 lung', volumeMl: 4512.3, areaMm2: null, voxels: 9_000_000 }],
    scores: [{ truth: 'expert', prediction: 'model', label: 'lung', metric: 'Dice', value: 0.97 }],
    generatedAt: '2026-01-01T11:00:00.000Z',
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const pngs = [1, 2, 3, 4].map(ctLikePng);
  const pngBytes = pngs.reduce((n, p) => n + p.length, 0);
  const doc = documentWith(pngs);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-bench-pdf-'));
  try {
    const write: number[] = [];
    const pdf: number[] = [];
    let pdfBytes = 0;
    let first = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = performance.now();
      writeFileSync(path.join(dir, 'images.bin'), Buffer.concat(pngs));
      write.push(performance.now() - t0);
      t0 = performance.now();
      const bytes = await renderReportPdf(doc);
      writeFileSync(path.join(dir, 'report.pdf'), bytes);
      const ms = performance.now() - t0;
      if (r === 0) first = ms;
      pdf.push(ms);
      pdfBytes = bytes.length;
    }
    const writeMs = median(write);
    const pdfMs = median(pdf);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} kB`;
    console.log(`4 key-image PNGs (${SIDE}×${SIDE} grey, ${kb(pngBytes)}) written to a file: ${writeMs.toFixed(1)} ms (baseline)`);
    console.log(
      `report PDF with 4 key images, written: ${pdfMs.toFixed(0)} ms median of ${ROUNDS} (first, reading the font: ${first.toFixed(0)} ms), ${kb(pdfBytes)} ` +
        `(${(pdfMs / writeMs).toFixed(0)}× the PNG write; target ≤ 1000 ms: ${pdfMs <= 1000 ? 'met' : 'NOT met'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
