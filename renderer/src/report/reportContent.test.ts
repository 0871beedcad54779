import { describe, expect, it } from 'vitest';
import { emptyReportContent, reportContentSchema, reviewAiItems, type KeyImage } from '../../../core/report/model';
import { aiItemOf, aiSourceLine, contentDiffers, draftContent, holdsAnswer, pdfPathIn, reviewLine, signatureLine, versionLine, withKeyImage } from './reportContent';

const caption = { action: 'caption' as const, request: 'Description', text: 'Axial CT of the chest.', model: 'vesalius-tiny' };
const asked = { action: 'ask' as const, request: 'is there a pneumothorax?', text: 'no', model: 'vesalius-tiny' };

const keyImage = (sop: string, frame = 1, png: Uint8Array | null = null): KeyImage => ({
  seriesKey: '1.2.3',
  sopInstanceUid: sop,
  frame,
  window: { center: 40, width: 400 },
  caption: '',
  png,
  view: 'stack',
  slice: null,
});

describe('aiItemOf', () => {
  it('makes a caption and a kept answer with its question, both valid report content as AI drafts', () => {
    const c = aiItemOf(caption, 'ai-1', '0.3.0');
    const a = aiItemOf(asked, 'ai-2', null);
    expect(c).toMatchObject({ kind: 'caption', question: null, text: caption.text, model: { name: 'vesalius-tiny', version: '0.3.0' }, status: 'ai-draft' });
    expect(a).toMatchObject({ kind: 'answer', question: 'is there a pneumothorax?', model: { version: 'unknown' } });
    const parsed = reportContentSchema.parse({ aiItems: [c, a] });
    expect(parsed.aiItems.map((i) => i.status)).toEqual(['ai-draft', 'ai-draft']);
  });

  it('gives no item for a segmentation result', () => {
    expect(aiItemOf({ action: 'segment', request: 'lung', text: 'mask', model: 'm' }, 'ai-3', '1')).toBeNull();
  });

  it('recognises an answer already inserted (even after its text was confirmed, not after it was edited)', () => {
    const item = aiItemOf(asked, 'ai-2', '1')!;
    expect(holdsAnswer([item], asked)).toBe(true);
    expect(holdsAnswer([item], { ...asked, request: 'another question?' })).toBe(false);
    expect(holdsAnswer([item], caption)).toBe(false);
    expect(holdsAnswer([{ ...item, text: 'no pneumothorax seen' }], asked)).toBe(false);
  });
});

describe('AI text provenance', () => {
  const image = { seriesKey: '1.2.840.99.1', sopInstanceUid: '1.2.840.99.1.7', slice: { number: 7, count: 24 }, answeredAt: '2026-12-02T00:41:05.123Z' };

  it('carries the image, the time and the answer’s probability into the AI item, valid report content', () => {
    const item = aiItemOf({ ...asked, probability: 0.4213, uncertain: true, image }, 'ai-9', '0.3.0')!;
    expect(item.source).toEqual({ ...image, probability: 0.4213, uncertain: true });
    expect(reportContentSchema.parse({ aiItems: [item] }).aiItems[0].source).toEqual(item.source);
    expect(aiSourceLine(item.source)).toBe('slice 7/24 · 2026-12-02 00:41 · p = 0.42 · uncertain');
    // A model without probabilities: none claimed.
    const plain = aiItemOf({ ...caption, probability: null, uncertain: null, image }, 'ai-10', '0.2.0')!;
    expect(plain.source).toMatchObject({ probability: null, uncertain: null });
    expect(aiSourceLine(plain.source)).toBe('slice 7/24 · 2026-12-02 00:41');
    // Items inserted before provenance existed have none, and still parse.
    expect(aiItemOf(caption, 'ai-11', '0.2.0')!.source).toBeUndefined();
    expect(aiSourceLine(undefined)).toBeNull();
  });

  it('keeps the inserted provenance through an edit of the text: a save cannot rewrite where it came from', () => {
    const inserted = reviewAiItems([], [aiItemOf({ ...asked, probability: 0.9, uncertain: false, image }, 'ai-12', '0.3.0')!], 'reader', '2026-12-02T01:00:00Z');
    expect(inserted[0]).toMatchObject({ status: 'ai-draft', source: { probability: 0.9 } });
    const tampered = { ...inserted[0], text: 'no pneumothorax seen', source: { ...image, probability: 1, uncertain: false } };
    const edited = reviewAiItems(inserted, [tampered], 'reader', '2026-12-02T01:01:00Z');
    expect(edited[0]).toMatchObject({ status: 'edited', text: 'no pneumothorax seen', source: { probability: 0.9 } });
  });
});

describe('withKeyImage', () => {
  it('adds a new frame and replaces the same SOP instance and frame', () => {
    const first = withKeyImage([], keyImage('1.1'));
    const second = withKeyImage(first, keyImage('1.1', 2));
    expect(second.map((k) => k.frame)).toEqual([1, 2]);
    const replaced = withKeyImage(second, { ...keyImage('1.1'), caption: 'again' });
    expect(replaced).toHaveLength(2);
    expect(replaced[0].caption).toBe('again');
  });

  it('keeps two slices of one volume view apart, and replaces the same view and slice', () => {
    const sagittal = (n: number, caption = ''): KeyImage => ({ ...keyImage('1.1'), view: 'sagittal', slice: { number: n, count: 256 }, caption });
    const images = withKeyImage(withKeyImage([keyImage('1.1')], sagittal(120)), sagittal(121));
    expect(images.map((k) => `${k.view}:${k.slice?.number ?? ''}`)).toEqual(['stack:', 'sagittal:120', 'sagittal:121']);
    const again = withKeyImage(images, sagittal(120, 'again'));
    expect(again).toHaveLength(3);
    expect(again[1].caption).toBe('again');
    // The store agrees: the same frame from the stack and from a volume view is not a duplicate.
    expect(reportContentSchema.safeParse({ keyImages: images }).success).toBe(true);
  });
});

describe('draftContent', () => {
  const edited = { findings: 'Clear lungs.', impression: 'Normal.', aiItems: [], keyImages: [] };

  it('cites the study’s measurements and segmentations as they are now, keeping a cited version and the scores', () => {
    const previous = reportContentSchema.parse({
      measurementIds: ['meas-0000000000000001'],
      segmentations: [{ segmentationId: 'seg-00000000000000aa', version: 2 }],
      scores: [{ truth: 't', prediction: 'p', label: 'lung', metric: 'Dice', value: 0.9 }],
    });
    const content = draftContent(edited, previous, {
      measurementIds: ['meas-0000000000000002', 'meas-0000000000000002'],
      segmentationIds: ['seg-00000000000000aa', 'seg-00000000000000bb'],
    });
    expect(content.measurementIds).toEqual(['meas-0000000000000002']);
    expect(content.segmentations).toEqual([
      { segmentationId: 'seg-00000000000000aa', version: 2, segments: null },
      { segmentationId: 'seg-00000000000000bb', version: null, segments: null },
    ]);
    expect(content.scores).toHaveLength(1);
    expect(reportContentSchema.parse(content)).toEqual(content);
  });

  it('keeps what was cited when the study’s references could not be read', () => {
    const previous = reportContentSchema.parse({ measurementIds: ['meas-0000000000000001'] });
    expect(draftContent(edited, previous, null).measurementIds).toEqual(['meas-0000000000000001']);
  });
});

describe('contentDiffers', () => {
  it('is false for an empty draft of a study without a report, true once something is written', () => {
    expect(contentDiffers(null, emptyReportContent())).toBe(false);
    expect(contentDiffers(null, { ...emptyReportContent(), findings: 'x' })).toBe(true);
  });

  it('sees text, AI items, key images and references', () => {
    const saved = { ...emptyReportContent(), findings: 'a', keyImages: [keyImage('1.1', 1, new Uint8Array(3))] };
    expect(contentDiffers(saved, { ...saved })).toBe(false);
    expect(contentDiffers(saved, { ...saved, findings: 'b' })).toBe(true);
    expect(contentDiffers(saved, { ...saved, keyImages: [] })).toBe(true);
    expect(contentDiffers(saved, { ...saved, keyImages: [keyImage('1.1', 1, new Uint8Array(4))] })).toBe(true);
    expect(contentDiffers(saved, { ...saved, measurementIds: ['meas-0000000000000001'] })).toBe(true);
    expect(contentDiffers(saved, { ...saved, aiItems: [aiItemOf(caption, 'ai-1', '1')!] })).toBe(true);
  });
});

describe('labels', () => {
  it('says who signed and when, and nothing for a draft', () => {
    expect(signatureLine({ state: 'final', signature: { signer: 'Dr. Ada Byron', signedAt: '2026-12-01T18:30:12.000Z' } })).toBe('Signed by Dr. Ada Byron at 2026-12-01 18:30 UTC');
    expect(signatureLine({ state: 'amended', signature: { signer: 'B', signedAt: '2026-12-02T08:00:00.000Z' } })).toBe('Amendment signed by B at 2026-12-02 08:00 UTC');
    expect(signatureLine({ state: 'draft', signature: null })).toBeNull();
  });

  it('lists a superseded version with its state and what replaced it', () => {
    const line = versionLine({ studyKey: '1.2', number: 3, edition: 1, state: 'final', savedBy: 'A', savedAt: '2026-12-01T18:00:00.000Z', note: '', signature: { signer: 'A', signedAt: '2026-12-01T18:00:00.000Z' }, supersededBy: 4 });
    expect(line).toBe('v3 · final, signed · A, 2026-12-01 18:00 UTC · superseded by v4');
    const amendment = versionLine({ studyKey: '1.2', number: 4, edition: 2, state: 'draft', savedBy: 'A', savedAt: '2026-12-01T19:00:00.000Z', note: 'typo', signature: null, supersededBy: null });
    expect(amendment).toBe('v4 · draft (edition 2) · A, 2026-12-01 19:00 UTC — typo');
  });

  it('says who confirmed or edited an AI item', () => {
    expect(reviewLine({ status: 'ai-draft', reviewedBy: null, reviewedAt: null })).toBeNull();
    expect(reviewLine({ status: 'confirmed', reviewedBy: 'A', reviewedAt: '2026-12-01T18:00:00.000Z' })).toBe('Confirmed by A at 2026-12-01 18:00 UTC');
    expect(reviewLine({ status: 'edited', reviewedBy: 'B', reviewedAt: null })).toBe('Edited by B');
  });

  it('offers a PDF path in a chosen folder', () => {
    expect(pdfPathIn('/tmp/out/', '1.2.840.1')).toBe('/tmp/out/report-1.2.840.1.pdf');
    expect(pdfPathIn('C:\\Reports', 'derived:ab')).toBe('C:\\Reports\\report-derived_ab.pdf');
  });
});
