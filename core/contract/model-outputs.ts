// Calls that put the assistant's outputs into the work (issue 13 item 3): a model segmentation in the store
// with provenance, an annotator's editable draft of it, and its score against the series' expert segmentation.
import { z } from 'zod';
import { modelImageSchema } from '../annotations/model';
import { defineCall } from './define';
import { maskSetIdSchema, maskSetInfoSchema } from './masks';
import { seriesKeySchema, typedArraySchema } from './primitives';

const authorSchema = z.string().min(1).max(256);
const shapeSchema = z.tuple([z.number().int().min(1).max(65536), z.number().int().min(1).max(65536), z.number().int().min(1).max(100_000)]);

/** One slice the model was run on: where it is, its mask bit-packed (as masks.saveSlices takes it), and what the model said. */
export const modelSliceSchema = modelImageSchema
  .extend({
    /** 8 voxels a byte, first voxel in the lowest bit, x fastest then y; null when the mask is empty (or absent). */
    bits: typedArraySchema('Uint8Array').nullable(),
  })
  .strict();
export type ModelSlice = z.infer<typeof modelSliceSchema>;

export const saveModelSegmentationArgsSchema = z
  .object({
    seriesKey: seriesKeySchema,
    /** [width, height, depth] of the series' voxel grid (as masks.create takes it). */
    shape: shapeSchema,
    spacingMm: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
    model: z.string().trim().min(1).max(256),
    version: z.string().trim().min(1).max(64),
    prompt: z.string().trim().min(1).max(200),
    scope: z.enum(['slice', 'series']),
    /** false for a whole-series run cancelled or failed part way (the slices given are the ones done). */
    complete: z.boolean(),
    presenceThreshold: z.number().min(0).max(1).nullable().default(null),
    slices: z.array(modelSliceSchema).min(1).max(100_000),
    author: authorSchema.optional(),
  })
  .strict();

/** The expert segmentation a prediction was scored against, and the scores over the slices the model ran on. */
export const modelScoreSchema = z.object({
  predId: maskSetIdSchema,
  /** null when the series has no expert segmentation (no score). */
  truth: z.object({ maskSetId: maskSetIdSchema, name: z.string(), version: z.number().int().min(1), segments: z.array(z.string()) }).nullable(),
  /** The slices scored (the ones the model ran on), 0-based. */
  slices: z.array(z.number().int().min(0)),
  iou: z.number().nullable(),
  dice: z.number().nullable(),
  truthVoxels: z.number().int().min(0),
  predVoxels: z.number().int().min(0),
});
export type ModelScore = z.infer<typeof modelScoreSchema>;

export const modelOutputCalls = {
  /**
   * Stores a model's segmentation of a series (role `model`; provenance: the model, its version, the prompt and,
   * per slice it ran on, its SOP instance and the presence and mask probabilities). Slices without voxels are
   * recorded but hold nothing; when no slice has any, nothing is stored and the answer is a `bad_input` error
   * saying the structure was not found (the dock says so: no empty segmentation is made).
   */
  'modelOutputs.saveSegmentation': defineCall(saveModelSegmentationArgsSchema, maskSetInfoSchema),
  /**
   * "Accept as draft": copies a model segmentation's head version into a new `annotator` segmentation the user
   * can edit, whose provenance names the source (its id, version, name and model).
   */
  'modelOutputs.acceptDraft': defineCall(z.object({ maskSetId: maskSetIdSchema, name: z.string().trim().min(1).max(256).optional(), author: authorSchema.optional() }).strict(), maskSetInfoSchema),
  /**
   * IoU and Dice of a model segmentation against the series' expert segmentation (its ground-truth mark when one
   * is marked, else the newest `expert` one), over the slices the model ran on; every expert segment counts as
   * the structure unless one is named like the prompt.
   */
  'modelOutputs.score': defineCall(z.object({ predId: maskSetIdSchema }).strict(), modelScoreSchema),
} as const;
