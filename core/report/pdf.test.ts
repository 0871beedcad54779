import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AiItem } from './model';
import { renderReport, renderReportPdf, ReportPdfError, stateLine, type ReportDocument } from './pdf';

const poppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdfimages');
const skipReason = 'poppler-utils (pdftotext, pdfimages) is not installed: apt-get install -y poppler-utils';
if (!poppler) console.warn(`core/report/pdf.test.ts: PDF text and image checks skipped: ${skipReason}`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A grey gradient PNG (what renderFrame writes for a CT frame). */
function gradientPng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data[y * width + x] = (x * 7 + y * 3) & 0xff;
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

const model = { name: 'vesalius-vlm', version: '0.2.0' };
const ai = (over: Partial<AiItem>): AiItem => ({ id: 'a', kind: 'caption', question: null, text: '', model, status: 'ai-draft', reviewedBy: null, reviewedAt: null, ...over });

function sampleDocument(over: Partial<ReportDocument> = {}): ReportDocument {
  return {
    header: { patientName: 'Doe^Jane', patientId: 'PID-0042', studyDate: '2026-02-27', studyDescription: 'CT chest', accessionNumber: 'ACC-991', studyKey: '1.2.3.4' },
    version: { number: 2, edition: 1, state: 'final', signature: { signer: 'Dr Ada Lee', signedAt: '2026-03-01T09:30:00.000Z' }, supersededBy: null },
    series: [{ number: '2', modality: 'CT', description: 'Thorax 1.25 mm', images: 312 }],
    findings: 'A 12 mm solid nodule in the right upper lobe. ' + 'Lungs otherwise clear. '.repeat(400),
    impression: 'Indeterminate pulmonary nodule; follow-up CT in 3 months.',
    aiItems: [
      ai({ id: 'cap', text: 'Axial chest CT showing a right upper lobe nodule.' }),
      ai({ id: 'qa', kind: 'answer', question: 'Is there a pleural effusion?', text: 'No pleural effusion is seen.', status: 'confirmed', reviewedBy: 'Dr Ada Lee', reviewedAt: '2026-03-01T09:00:00.000Z' }),
    ],
    keyImages: [{ png: gradientPng(64, 48), caption: 'Series 1.2.3.5 image 1.2.3.5.7 frame 1 · W/L 1500/-600' }],
    measurements: [{ label: 'nodule', kind: 'length', value: '12.0 mm', image: '1.2.3.5.7 frame 1' }],
    segments: [{ segmentation: 'nodule mask', segment: '1 nodule', volumeMl: 0.9, areaMm2: null, voxels: 900 }],
    scores: [{ truth: 'expert', prediction: 'model', label: 'nodule', metric: 'Dice', value: 0.8765 }],
    generatedAt: '2026-03-01T10:00:00.000Z',
    ...over,
  };
}

function pdfText(bytes: Uint8Array, name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return execFileSync('/usr/bin/pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

describe('renderReportPdf', () => {
  it.skipIf(!poppler)('writes selectable text: findings, the AI notice beside the draft AI text only, signer on every page, a score; the key image is embedded', async () => {
    const bytes = await renderReportPdf(sampleDocument());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const text = pdfText(bytes, 'report.pdf');
    expect(text).toContain('A 12 mm solid nodule in the right upper lobe.');
    expect(text).toContain('Indeterminate pulmonary nodule');
    // The notice right above the draft caption; the confirmed answer carries who confirmed it instead.
    expect(text).toMatch(/AI draft — not a diagnosis \(model vesalius-vlm 0\.2\.0\)\s+Axial chest CT showing a right upper lobe nodule\./);
    expect(text.match(/AI draft — not a diagnosis/g)).toHaveLength(1);
    expect(text).toContain('confirmed by Dr Ada Lee');
    expect(text).toMatch(/Dice\s+0\.877/);
    expect(text).toContain('12.0 mm');
    expect(text).toMatch(/2\s+CT\s+Thorax 1\.25 mm\s+312/);
    const pages = text.split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(2); // the long findings break across pages
    pages.forEach((page, i) => {
      expect(page).toContain('FINAL — signed by Dr Ada Lee on 2026-03-01 09:30:00 UTC');
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(page).toContain('Doe^Jane · Patient ID PID-0042');
      expect(page).toContain('Accession ACC-991');
    });
    const file = path.join(dir, 'report.pdf');
    const images = execFileSync('/usr/bin/pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/\s64\s+48\s+(gray|rgb)\s/);
    const fonts = execFileSync('/usr/bin/pdffonts', [file], { encoding: 'utf8' });
    // Embedded with a ToUnicode map (text extracts); only the glyphs used are in the file (the TTF alone is 740 kB).
    expect(fonts).toMatch(/DejaVuSans\S*\s+CID TrueType\s+Identity-H\s+yes\s+\S+\s+yes/);
    expect(bytes.length).toBeLessThan(120_000);
  });

  it.skipIf(!poppler)('prints under each AI text where it came from: model, version, slice, SOP instance, time, probability', async () => {
    const source = { seriesKey: '1.2.3.5', sopInstanceUid: '1.2.3.5.7', slice: { number: 7, count: 24 }, answeredAt: '2026-12-02T00:41:09.000Z', probability: 0.42, uncertain: true };
    const bytes = await renderReportPdf(
      sampleDocument({
        findings: 'Short.',
        aiItems: [ai({ id: 'cap', text: 'Axial chest CT showing a nodule.', source }), ai({ id: 'old', text: 'An older caption.' })],
      }),
    );
    const text = pdfText(bytes, 'provenance.pdf');
    expect(text).toMatch(/Axial chest CT showing a nodule\.\s+From vesalius-vlm 0\.2\.0 · slice 7\/24 · 2026-12-02 00:41 · p = 0\.42 · uncertain · SOP Instance 1\.2\.3\.5\.7/);
    // An item saved before sources were kept says so rather than printing nothing.
    expect(text).toMatch(/An older caption\.\s+From vesalius-vlm 0\.2\.0 \(image and time not recorded\)/);
  });

  it.skipIf(!poppler)('says draft, amendment and superseded on the pages of such versions', async () => {
    const draft = pdfText(await renderReportPdf(sampleDocument({ version: { number: 1, edition: 1, state: 'draft', signature: null, supersededBy: 2 }, findings: 'Short.' })), 'draft.pdf');
    expect(draft).toContain('DRAFT — not signed · version 1 · SUPERSEDED by version 2');
    expect(stateLine({ number: 5, edition: 2, state: 'amended', signature: { signer: 'X', signedAt: '2026-03-02T00:00:00.000Z' }, supersededBy: null })).toBe('AMENDED (edition 2) — signed by X on 2026-03-02 00:00:00 UTC · version 5');
  });

  it.skipIf(!poppler)('embeds grey and RGB PNGs as they are, and an RGBA one through pdf-lib (its alpha as a soft mask)', async () => {
    const rgba = new PNG({ width: 20, height: 10 });
    rgba.data.fill(200);
    const rgb = new PNG({ width: 30, height: 12 });
    rgb.data.fill(90);
    const keyImages = [
      { png: gradientPng(64, 48), caption: 'grey' },
      { png: new Uint8Array(PNG.sync.write(rgb, { colorType: 2 })), caption: 'rgb' },
      { png: new Uint8Array(PNG.sync.write(rgba, { colorType: 6 })), caption: 'rgba' },
    ];
    const file = path.join(dir, 'images.pdf');
    writeFileSync(file, await renderReportPdf(sampleDocument({ keyImages, findings: 'Short.' })));
    const listed = execFileSync('/usr/bin/pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(listed.map((l) => l.trim().split(/\s+/).slice(3, 6).join(' '))).toEqual(['64 48 gray', '30 12 rgb', '20 10 rgb', '20 10 gray']);
    // The images decode (poppler reads the predictor stream): the grey one's first row is the gradient.
    execFileSync('/usr/bin/pdfimages', ['-png', '-f', '1', '-l', '1', file, path.join(dir, 'img')]);
    const first = PNG.sync.read(readFileSync(path.join(dir, 'img-000.png')));
    expect([...first.data.subarray(0, 16)].filter((_, i) => i % 4 === 0)).toEqual([0, 7, 14, 21]);
  });

  it.skipIf(!poppler)('prints CJK in the fallback font as selectable text, embeds both fonts, and prints and reports a character no font has as U+FFFD', async () => {
    const header = { ...sampleDocument().header, patientName: '山田太郎 Yamada^Tarō' };
    // Thai and Devanagari: in neither DejaVu Sans nor WenQuanYi Micro Hei.
    const rendered = await renderReport(sampleDocument({ header, findings: 'Lésion (中) — 12 mm²; 김철수 환자 in 東京, กन', keyImages: [] }));
    const text = pdfText(rendered.pdf, 'cjk.pdf');
    expect(text).toContain('山田太郎 Yamada^Tarō · Patient ID');
    expect(text).toContain('Lésion (中) — 12 mm²; 김철수 환자 in 東京, \ufffd\ufffd');
    expect(rendered.missingCharacters).toEqual(['ก', 'न']);
    const fonts = execFileSync('/usr/bin/pdffonts', [path.join(dir, 'cjk.pdf')], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans\S*\s+CID TrueType\s+Identity-H\s+yes\s+\S+\s+yes/);
    expect(fonts).toMatch(/WenQuanYiMicroHei\S*\s+CID TrueType\s+Identity-H\s+yes\s+\S+\s+yes/);
    // Only the glyphs used are embedded: the fallback TTF alone is 4.6 MB.
    expect(rendered.pdf.length).toBeLessThan(150_000);
  });

  it.skipIf(!poppler)('embeds only DejaVu Sans when every character is in it', async () => {
    const rendered = await renderReport(sampleDocument({ findings: 'Short.', keyImages: [] }));
    expect(rendered.missingCharacters).toEqual([]);
    writeFileSync(path.join(dir, 'latin.pdf'), rendered.pdf);
    const fonts = execFileSync('/usr/bin/pdffonts', [path.join(dir, 'latin.pdf')], { encoding: 'utf8' });
    expect(fonts).toContain('DejaVuSans');
    expect(fonts).not.toContain('WenQuanYi');
  });

  it('names the key image that is not a PNG', async () => {
    await expect(renderReportPdf(sampleDocument({ keyImages: [{ png: Uint8Array.from([1, 2, 3]), caption: 'broken one' }] }))).rejects.toThrow(ReportPdfError);
    await expect(renderReportPdf(sampleDocument({ keyImages: [{ png: Uint8Array.from([1, 2, 3]), caption: 'broken one' }] }))).rejects.toThrow(/key image 1 \(broken one\): not a PNG/);
  });
});
