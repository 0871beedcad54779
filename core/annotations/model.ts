// The segmentation model: segments, provenance, one binary mask per segment (pure, no Node imports).
import { z } from 'zod';

/** A coded concept as DICOM SEG carries it (CodeValue, CodingSchemeDesignator, CodeMeaning). */
export const codeSchema = z.object({
  value: z.string().min(1).max(64),
  scheme: z.string().min(1).max(64),
  meaning: z.string().min(1).max(256),
});
export type Code = z.infer<typeof codeSchema>;

export const rgbSchema = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

export const segmentSchema = z.object({
  /** 1-based, unique within a segmentation (the DICOM SegmentNumber; the label value of a label map). */
  number: z.number().int().min(1).max(65535),
  label: z.string().min(1).max(256),
  color: rgbSchema,
  /** SegmentedPropertyCategoryCodeSequence, e.g. (T-D0050, SRT, Tissue). */
  category: codeSchema.optional(),
  /** SegmentedPropertyTypeCodeSequence, e.g. (T-28000, SRT, Lung). */
  type: codeSchema.optional(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const roleSchema = z.enum(['expert', 'annotator', 'model']);
export type Role = z.infer<typeof roleSchema>;

/** One image a model segmentation was run on (issue 13): its slice, and what the model said about it. */
export const modelImageSchema = z.object({
  z: z.number().int().min(0),
  sopInstanceUid: z.string().max(64).nullable(),
  /** The presence head's verdict (null for a model without one). */
  present: z.boolean().nullable(),
  presenceProbability: z.number().min(0).max(1).nullable(),
  /** Mean mask probability inside the mask; null when the mask is empty. */
  probabilityMean: z.number().min(0).max(1).nullable(),
});
export type ModelImage = z.infer<typeof modelImageSchema>;

/** The model a segmentation came from, as a draft's provenance names it. */
const modelNameSchema = { name: z.string().min(1).max(256), version: z.string().min(1).max(64), prompt: z.string().max(4096).nullable() };

/** Where the content came from: a file it was imported from, a model's output, or drawn in the app. */
export const originSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096), format: z.enum(['png', 'nifti', 'dicom-seg']) }),
  z.object({
    kind: z.literal('model'),
    ...modelNameSchema,
    // The fields below are absent on model segmentations stored before issue 13.
    /** One slice asked about, or every slice of the series. */
    scope: z.enum(['slice', 'series']).optional(),
    /** false when a whole-series run was cancelled or failed part way: the slices in `images` are the ones done. */
    complete: z.boolean().optional(),
    presenceThreshold: z.number().min(0).max(1).nullable().optional(),
    images: z.array(modelImageSchema).max(100_000).optional(),
  }),
  z.object({ kind: z.literal('drawn') }),
  /** An annotator's editable copy of a model segmentation ("Accept as draft"), naming the one it was copied from. */
  z.object({
    kind: z.literal('draft'),
    source: z.object({ id: z.string().min(1).max(64), version: z.number().int().min(1), name: z.string().min(1).max(256) }),
    model: z.object(modelNameSchema),
  }),
  /** Combined from other segmentations of the series (each at the version used), e.g. by majority vote. */
  z.object({
    kind: z.literal('consensus'),
    method: z.enum(['majority-vote', 'staple']),
    inputs: z.array(z.object({ id: z.string().min(1).max(64), version: z.number().int().min(1), name: z.string().min(1).max(256) })).min(2).max(64),
  }),
]);
export type Origin = z.infer<typeof originSchema>;

/** Where a segmentation came from, in words (lists, the CLI). */
export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `from ${origin.path}`;
    case 'model':
      return `model ${origin.name} ${origin.version}${origin.prompt ? ` (“${origin.prompt}”)` : ''}`;
    case 'drawn':
      return 'drawn in Vesalius';
    case 'draft':
      return `draft from ${origin.source.name} v${origin.source.version} (model ${origin.model.name} ${origin.model.version}${origin.model.prompt ? `, “${origin.model.prompt}”` : ''})`;
    case 'consensus':
      return `${origin.method} consensus of ${origin.inputs.map((i) => `${i.name} v${i.version}`).join(', ')}`;
  }
}

export const provenanceSchema = z.object({
  role: roleSchema,
  author: z.string().min(1).max(256),
  origin: originSchema,
});
export type Provenance = z.infer<typeof provenanceSchema>;

/** [width, height, depth] = [columns, rows, slices] of the series the segmentation belongs to. */
export type Shape = readonly [number, number, number];
export const shapeSchema = z.tuple([z.number().int().min(1).max(65536), z.number().int().min(1).max(65536), z.number().int().min(1).max(100_000)]);

/**
 * A segmentation's content: each segment its own 0/1 mask (x fastest, then y, then z), so
 * overlapping segments stay whole. Never flattened into one label map here.
 */
export interface SegmentationContent {
  shape: Shape;
  segments: Segment[];
  /** segment number → width × height × depth bytes, each 0 or 1. */
  masks: Map<number, Uint8Array>;
}

export const voxelsPerSlice = (shape: Shape): number => shape[0] * shape[1];
export const voxelCount = (shape: Shape): number => shape[0] * shape[1] * shape[2];

/** Why this content is not well formed (duplicate numbers, a mask of the wrong size, a mask without a segment), or null. */
export function contentProblem(content: SegmentationContent): string | null {
  const seen = new Set<number>();
  for (const segment of content.segments) {
    const parsed = segmentSchema.safeParse(segment);
    if (!parsed.success) return `segment ${segment.number}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`;
    if (seen.has(segment.number)) return `segment number ${segment.number} is used twice`;
    seen.add(segment.number);
  }
  const expected = voxelCount(content.shape);
  for (const [number, mask] of content.masks) {
    if (!seen.has(number)) return `a mask for segment ${number}, which the segment list does not define`;
    if (mask.length !== expected) return `segment ${number}: mask has ${mask.length} voxels, the shape ${content.shape.join('×')} needs ${expected}`;
  }
  return null;
}

/** An empty mask for every segment that has none (a new segment starts empty). */
export function withEmptyMasks(content: SegmentationContent): SegmentationContent {
  const masks = new Map(content.masks);
  for (const segment of content.segments) if (!masks.has(segment.number)) masks.set(segment.number, new Uint8Array(voxelCount(content.shape)));
  return { ...content, masks };
}
