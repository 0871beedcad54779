// The radiologist's report of one study (pure: zod schemas, validation and the AI-review rules; no Node imports).
import { z } from 'zod';
import { measurementIdSchema } from '../annotations/measurement';
import { seriesKeySchema, typedArraySchema } from '../contract/primitives';

const uidSchema = z.string().regex(/^[0-9]+(?:\.[0-9]+)*$/, 'is not a DICOM UID').max(64);
const personSchema = z.string().trim().min(1).max(256);
const textSchema = z.string().max(200_000);

/** The model that wrote an AI text: what the PDF names in its notice. */
export const aiModelSchema = z.object({ name: z.string().min(1).max(128), version: z.string().min(1).max(64) }).strict();
export type AiModel = z.infer<typeof aiModelSchema>;

/**
 * An assistant text inserted into the report. It stays `ai-draft` (the PDF prints the not-a-diagnosis
 * notice beside it) until a person confirms it as it is, or edits its text; who and when is recorded.
 */
export const aiItemStatusSchema = z.enum(['ai-draft', 'confirmed', 'edited']);
export type AiItemStatus = z.infer<typeof aiItemStatusSchema>;
export const aiItemIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not an AI item id (letters, digits, _ and -)');

/**
 * Where an AI text came from (issue 13): the image the model looked at, when it answered, and how sure it was.
 * Set once, when the text is inserted; a person's edit changes the text, never this.
 */
export const aiSourceSchema = z
  .object({
    seriesKey: seriesKeySchema.nullable(),
    sopInstanceUid: uidSchema.nullable(),
    /** The slice shown, 1-based, of how many the stack has. */
    slice: z.object({ number: z.number().int().min(1), count: z.number().int().min(1) }).strict().nullable(),
    answeredAt: z.string().max(64),
    /** The answer's probability (product of its tokens'), when the model reports one. */
    probability: z.number().min(0).max(1).nullable(),
    /** Below the model's calibrated threshold ("uncertain"); null when the model has none. */
    uncertain: z.boolean().nullable(),
  })
  .strict();
export type AiSource = z.infer<typeof aiSourceSchema>;

/**
 * A probability as the dock and the report print it: two decimals; below 0.01 (a caption's product over dozens of
 * token probabilities) in powers of ten, so it does not read as "0.00".
 */
export const formatProbability = (p: number): string => (p >= 0.01 || p === 0 ? p.toFixed(2) : p.toExponential(1));

/**
 * The provenance line of an AI text: the slice and time it was answered, and its probability and 'uncertain' when
 * the model reported them; null for items without a source (inserted before issue 13). The Report dock shows it
 * under the text and the PDF prints it there, after the model and version.
 */
export function aiSourceLine(source: AiSource | undefined): string | null {
  if (!source) return null;
  const parts = [source.slice ? `slice ${source.slice.number}/${source.slice.count}` : 'image', source.answeredAt.replace('T', ' ').slice(0, 16)];
  if (source.probability !== null) parts.push(`p = ${formatProbability(source.probability)}`);
  if (source.uncertain) parts.push('uncertain');
  return parts.join(' · ');
}

export const aiItemSchema = z
  .object({
    id: aiItemIdSchema,
    /** A caption of an image, or the answer to a question the reader asked and kept. */
    kind: z.enum(['caption', 'answer']),
    /** The question, for a kept answer. */
    question: z.string().max(4000).nullable().default(null),
    text: textSchema,
    model: aiModelSchema,
    /** Absent on items inserted before issue 13. */
    source: aiSourceSchema.optional(),
    /** Set by the store, never by a caller: a new item is always an AI draft. */
    status: aiItemStatusSchema.default('ai-draft'),
    reviewedBy: z.string().nullable().default(null),
    reviewedAt: z.string().nullable().default(null),
  })
  .strict();
export type AiItem = z.infer<typeof aiItemSchema>;

/** W/L the key image is shown with, in modality units (HU for CT). */
export const windowSchema = z.object({ center: z.number().finite(), width: z.number().finite().positive() }).strict();

/** The view a key image was captured from: the stack (the images as acquired) or a plane of the series' volume (MPR). */
export const keyImageViewSchema = z.enum(['stack', 'axial', 'sagittal', 'coronal']);
export type KeyImageView = z.infer<typeof keyImageViewSchema>;

/**
 * One key image: the frame (series, SOP instance, 1-based frame) with its W/L and the PNG as it was
 * shown; without a PNG it is a render request (the export renders the frame with that window). From
 * a volume view (axial/sagittal/coronal) it is always a PNG: the view and slice say what it shows, and
 * the SOP instance is the image the stack showed with it (a reference into the series, not the plane).
 */
export const keyImageSchema = z
  .object({
    seriesKey: seriesKeySchema,
    sopInstanceUid: uidSchema,
    frame: z.number().int().min(1).default(1),
    window: windowSchema.nullable().default(null),
    caption: z.string().max(1000).default(''),
    png: typedArraySchema('Uint8Array').nullable().default(null),
    view: keyImageViewSchema.default('stack'),
    /** The slice shown, 1-based, of how many the view has; null where it was not recorded (key images saved before views were). */
    slice: z.object({ number: z.number().int().min(1), count: z.number().int().min(1) }).strict().nullable().default(null),
  })
  .strict();
export type KeyImage = z.infer<typeof keyImageSchema>;

/**
 * What makes a key image one of its own (a report lists each once): a stack key image is its frame; a
 * volume view's is its view and slice (two sagittal slices of one series are two key images).
 */
export function keyImageIdentity(image: { sopInstanceUid: string; frame: number; view?: KeyImageView; slice?: { number: number } | null }): string {
  const view = image.view ?? 'stack';
  return view === 'stack' ? `${image.sopInstanceUid}#${image.frame}` : `${view}#${image.slice?.number ?? '?'}`;
}

/** A segmentation of the annotation store the report cites (its volumes/areas are read from the store). */
export const segmentationRefSchema = z
  .object({
    segmentationId: z.string().regex(/^seg-[0-9a-f]{16}$/, 'is not a segmentation id'),
    /** The version cited; the head when null. */
    version: z.number().int().min(1).nullable().default(null),
    /** Segment numbers cited; every segment when null. */
    segments: z.array(z.number().int().min(1)).nullable().default(null),
  })
  .strict();
export type SegmentationRef = z.infer<typeof segmentationRefSchema>;

/** A score of a prediction against the ground truth, as computed when it was added. */
export const scoreRowSchema = z
  .object({
    truth: z.string().min(1).max(256),
    prediction: z.string().min(1).max(256),
    label: z.string().max(256),
    metric: z.enum(['IoU', 'Dice', 'mIoU', 'mean Dice']),
    value: z.number().finite().nullable(),
  })
  .strict();
export type ScoreRow = z.infer<typeof scoreRowSchema>;

/** What a person edits: the content of one report version. */
export const reportContentSchema = z
  .object({
    findings: textSchema.default(''),
    impression: textSchema.default(''),
    aiItems: z.array(aiItemSchema).max(500).default([]),
    keyImages: z.array(keyImageSchema).max(64).default([]),
    measurementIds: z.array(measurementIdSchema).max(1000).default([]),
    segmentations: z.array(segmentationRefSchema).max(100).default([]),
    scores: z.array(scoreRowSchema).max(1000).default([]),
  })
  .strict();
export type ReportContent = z.infer<typeof reportContentSchema>;
export type ReportContentInput = z.input<typeof reportContentSchema>;

export const emptyReportContent = (): ReportContent => reportContentSchema.parse({});

/**
 * The state of one version: `draft` (editable), `final` (the signed original) or `amended` (a signed
 * amendment). A signed version is locked; a change to it is an amendment, a new version.
 */
export const reportStateSchema = z.enum(['draft', 'final', 'amended']);
export type ReportState = z.infer<typeof reportStateSchema>;

export const signatureSchema = z.object({ signer: z.string(), signedAt: z.string() });

/** One stored version (every save, confirmation, signature and amendment makes the next one). */
export const reportVersionSchema = z.object({
  studyKey: seriesKeySchema,
  number: z.number().int().min(1),
  /** 1 for the original report, 2 for its first amendment, … */
  edition: z.number().int().min(1),
  state: reportStateSchema,
  savedBy: z.string(),
  savedAt: z.string(),
  note: z.string(),
  signature: signatureSchema.nullable(),
  /** The next version, for every version but the newest: what replaced this one. */
  supersededBy: z.number().int().nullable(),
  content: reportContentSchema,
});
export type ReportVersion = z.infer<typeof reportVersionSchema>;

/** Why a content cannot be saved, in words; null when it can. */
export function reportContentProblem(content: ReportContent): string | null {
  const ids = new Set<string>();
  for (const item of content.aiItems) {
    if (ids.has(item.id)) return `AI item id '${item.id}' is used twice`;
    ids.add(item.id);
    if (item.kind === 'answer' && !item.question) return `AI item '${item.id}' is an answer without its question`;
  }
  const images = new Set<string>();
  for (const image of content.keyImages) {
    const key = keyImageIdentity(image);
    if (images.has(key)) return image.view === 'stack' ? `key image ${image.sopInstanceUid} frame ${image.frame} is listed twice` : `key image ${image.view} slice ${image.slice?.number ?? '?'} is listed twice`;
    images.add(key);
  }
  if (new Set(content.measurementIds).size !== content.measurementIds.length) return 'a measurement is cited twice';
  return null;
}

/**
 * The AI review rules, applied by the store to every save (a caller never sets a status):
 * a new AI item starts as an AI draft; an item whose text changed is `edited` by the saver; an
 * unchanged item keeps its status and reviewer; a reviewed item whose text changes again stays edited.
 */
export function reviewAiItems(previous: readonly AiItem[], next: readonly AiItem[], by: string, at: string): AiItem[] {
  const before = new Map(previous.map((item) => [item.id, item]));
  return next.map((item) => {
    const old = before.get(item.id);
    // The provenance is the inserted item's: a save cannot rewrite where an AI text came from.
    const source = old ? old.source : item.source;
    const base = { id: item.id, kind: item.kind, question: item.question, text: item.text, model: item.model, ...(source ? { source } : {}) };
    if (!old) return { ...base, status: 'ai-draft', reviewedBy: null, reviewedAt: null };
    if (old.text !== item.text) return { ...base, status: 'edited', reviewedBy: by, reviewedAt: at };
    return { ...base, status: old.status, reviewedBy: old.reviewedBy, reviewedAt: old.reviewedAt };
  });
}

/** The items with `itemId` confirmed as they are by `by`; null when there is no such item. */
export function confirmAiItem(items: readonly AiItem[], itemId: string, by: string, at: string): AiItem[] | null {
  if (!items.some((item) => item.id === itemId)) return null;
  return items.map((item) => (item.id === itemId && item.status === 'ai-draft' ? { ...item, status: 'confirmed', reviewedBy: by, reviewedAt: at } : item));
}

/** The notice printed beside an AI text that no person has confirmed or edited. */
export const aiDraftNotice = (model: AiModel): string => `AI draft — not a diagnosis (model ${model.name} ${model.version})`;
