// What the Report dock edits and sends (pure: content assembly, AI item insertion, labels; no Svelte, no DOM).
import { aiSourceLine, keyImageIdentity, type AiItem, type AiSource, type KeyImage, type ReportContent, type ReportVersion, type SegmentationRef } from '../../../core/report/model';
import type { ReportVersionSummary } from '../../../core/contract/report';

/** An assistant answer as the Report dock can insert it (the assistant's own AssistantAnswer fits). */
export interface InsertableAnswer {
  action: 'caption' | 'ask' | 'segment';
  /** "Description" for a caption; the question for an answer. */
  request: string;
  text: string;
  /** The model's name as the assistant answered it. */
  model: string;
  /** The answer's probability and "uncertain" (models that report them), null otherwise. */
  probability?: number | null;
  uncertain?: boolean | null;
  /** The image it was asked about and when (the AI text's provenance). */
  image?: { seriesKey: string | null; sopInstanceUid: string | null; slice: { number: number; count: number }; answeredAt: string };
}

/** The study's own measurements and segmentations: a draft cites all of them (the PDF prints what is cited). */
export interface StudyReferences {
  measurementIds: string[];
  segmentationIds: string[];
}

/**
 * A new AI item for an answer (null for a segmentation result, which is not text): a caption, or a
 * kept answer with its question. The store makes every new item an AI draft whatever the status sent.
 */
export function aiItemOf(answer: InsertableAnswer, id: string, modelVersion: string | null): AiItem | null {
  if (answer.action === 'segment') return null;
  return {
    id,
    kind: answer.action === 'caption' ? 'caption' : 'answer',
    question: answer.action === 'ask' ? answer.request : null,
    text: answer.text,
    // The contract needs a version; an assistant whose status names none says so rather than inventing one.
    model: { name: answer.model.slice(0, 128) || 'assistant', version: (modelVersion ?? '').slice(0, 64) || 'unknown' },
    ...(answer.image ? { source: aiSourceOf(answer, answer.image) } : {}),
    status: 'ai-draft',
    reviewedBy: null,
    reviewedAt: null,
  };
}

/** The AI text's provenance: the image, the time, and the probability clamped to [0, 1] (the schema's range). */
function aiSourceOf(answer: InsertableAnswer, image: NonNullable<InsertableAnswer['image']>): AiSource {
  const p = answer.probability;
  return {
    seriesKey: image.seriesKey,
    sopInstanceUid: image.sopInstanceUid,
    slice: image.slice,
    answeredAt: image.answeredAt,
    probability: typeof p === 'number' && Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : null,
    uncertain: answer.uncertain ?? null,
  };
}

/** The provenance line of an AI text (one definition, core/report/model: the PDF prints the same line). */
export { aiSourceLine };

/** Whether the report already holds this answer (same kind, question, model and original text). */
export const holdsAnswer = (items: readonly AiItem[], answer: InsertableAnswer): boolean =>
  items.some(
    (item) =>
      item.model.name === answer.model &&
      item.kind === (answer.action === 'caption' ? 'caption' : 'answer') &&
      (item.kind === 'caption' || item.question === answer.request) &&
      item.text === answer.text,
  );

/** The key images with `image` added, replacing one of the same frame, or view and slice (the store refuses duplicates). */
export function withKeyImage(images: readonly KeyImage[], image: KeyImage): KeyImage[] {
  const key = keyImageIdentity(image);
  const same = (other: KeyImage) => keyImageIdentity(other) === key;
  return images.some(same) ? images.map((other) => (same(other) ? image : other)) : [...images, image];
}

export const keyImageKey = (image: Pick<KeyImage, 'sopInstanceUid' | 'frame' | 'view' | 'slice'>): string => keyImageIdentity(image);

/**
 * The content to save: what the person edited, citing the study's measurements and segmentations as
 * they are now (a deleted measurement drops out; a segmentation is cited at its head version). The
 * scores are kept as they were (the dock does not compute them).
 */
export function draftContent(
  edited: Pick<ReportContent, 'findings' | 'impression' | 'aiItems' | 'keyImages'>,
  previous: ReportContent | null,
  references: StudyReferences | null,
): ReportContent {
  const keptSegmentations = previous?.segmentations ?? [];
  const segmentations: SegmentationRef[] = references
    ? unique(references.segmentationIds).map((id) => keptSegmentations.find((s) => s.segmentationId === id) ?? { segmentationId: id, version: null, segments: null })
    : keptSegmentations;
  return {
    findings: edited.findings,
    impression: edited.impression,
    aiItems: edited.aiItems,
    keyImages: edited.keyImages,
    measurementIds: references ? unique(references.measurementIds) : (previous?.measurementIds ?? []),
    segmentations,
    scores: previous?.scores ?? [],
  };
}

/** Whether saving `next` would change what `saved` holds (key image PNGs compared by identity and size). */
export function contentDiffers(saved: ReportContent | null, next: ReportContent): boolean {
  if (!saved) return next.findings !== '' || next.impression !== '' || next.aiItems.length > 0 || next.keyImages.length > 0;
  if (saved.findings !== next.findings || saved.impression !== next.impression) return true;
  if (saved.aiItems.length !== next.aiItems.length || saved.aiItems.some((item, i) => item.id !== next.aiItems[i].id || item.text !== next.aiItems[i].text)) return true;
  if (saved.keyImages.map(keyImageKey).join() !== next.keyImages.map(keyImageKey).join()) return true;
  if (saved.keyImages.some((image, i) => image.caption !== next.keyImages[i].caption || image.png?.length !== next.keyImages[i].png?.length)) return true;
  if (saved.measurementIds.join() !== next.measurementIds.join()) return true;
  return saved.segmentations.map((s) => s.segmentationId).join() !== next.segmentations.map((s) => s.segmentationId).join();
}

/** "Signed by X at T" for a signed version; null for a draft. */
export function signatureLine(version: Pick<ReportVersion, 'signature' | 'state'>): string | null {
  if (!version.signature) return null;
  const what = version.state === 'amended' ? 'Amendment signed' : 'Signed';
  return `${what} by ${version.signature.signer} at ${shownTime(version.signature.signedAt)}`;
}

/** One line of the versions list: number, state, who and when, and what replaced it. */
export function versionLine(version: ReportVersionSummary): string {
  const state = version.state === 'draft' ? `draft (edition ${version.edition})` : version.state === 'final' ? 'final, signed' : `amendment ${version.edition - 1}, signed`;
  const by = version.signature ? `${version.signature.signer}, ${shownTime(version.signature.signedAt)}` : `${version.savedBy}, ${shownTime(version.savedAt)}`;
  const note = version.note ? ` — ${version.note}` : '';
  const superseded = version.supersededBy !== null ? ` · superseded by v${version.supersededBy}` : '';
  return `v${version.number} · ${state} · ${by}${note}${superseded}`;
}

/** A review line for an AI item a person has confirmed or edited; null while it is an AI draft. */
export function reviewLine(item: Pick<AiItem, 'status' | 'reviewedBy' | 'reviewedAt'>): string | null {
  if (item.status === 'ai-draft') return null;
  const who = item.reviewedBy ? ` by ${item.reviewedBy}` : '';
  const when = item.reviewedAt ? ` at ${shownTime(item.reviewedAt)}` : '';
  return `${item.status === 'confirmed' ? 'Confirmed' : 'Edited'}${who}${when}`;
}

/** The PDF path offered in a chosen folder: the study's key made safe for a file name. */
export function pdfPathIn(folder: string, studyKey: string): string {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  const base = folder.endsWith(separator) ? folder.slice(0, -1) : folder;
  return `${base}${separator}report-${studyKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}.pdf`;
}

/** ISO time as the panel shows it: date and minutes, UTC said so. */
const shownTime = (iso: string): string => (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso);

const unique = (values: readonly string[]): string[] => [...new Set(values)];
