import { z } from 'zod';
import { defineCall } from './define';
import { typedArraySchema, typedArrayTypeOf, type TypedArrayType } from './primitives';

// Calls for the local assistant: caption, question answering, segmentation (issue 4).
// The renderer sends the raw stored pixels it already has; all preprocessing happens in the inference worker.

/** Largest image side accepted (DICOM images are at most a few thousand pixels wide). */
export const MAX_IMAGE_SIDE = 4096;

/** The three image kinds the model takes; shared with the worker protocol so both check the same thing. */
export const imageKindSchema = z.enum(['hu', 'gray8', 'rgb8']);

export const pixelDtypeSchema = z.enum(['int16', 'uint16', 'uint8', 'float32']);
export type PixelDtype = z.infer<typeof pixelDtypeSchema>;
export const BYTES_PER_VALUE: Record<PixelDtype, number> = { int16: 2, uint16: 2, uint8: 1, float32: 4 };

/** The typed array that carries each pixel dtype. */
export const PIXEL_ARRAY_TYPE = { int16: 'Int16Array', uint16: 'Uint16Array', uint8: 'Uint8Array', float32: 'Float32Array' } as const satisfies Record<
  PixelDtype,
  TypedArrayType
>;

/** Longest value of a DICOM CS tag (Modality) and of an LO tag (the descriptions, body part, agent). */
export const HEADER_CODE_MAX = 16;
export const HEADER_TEXT_MAX = 64;

/**
 * The DICOM header tags the model reads as facts (core/model/header-facts.ts), as the file states them; any may
 * be absent, and a non-DICOM image has none. The renderer cuts longer values to these lengths.
 */
export const imageHeaderSchema = z
  .object({
    modality: z.string().max(HEADER_CODE_MAX).optional(),
    bodyPartExamined: z.string().max(HEADER_TEXT_MAX).optional(),
    /** (0020,0037): the row and column direction cosines. */
    imageOrientationPatient: z.array(z.number().finite()).length(6).optional(),
    contrastBolusAgent: z.string().max(HEADER_TEXT_MAX).optional(),
    studyDescription: z.string().max(HEADER_TEXT_MAX).optional(),
    seriesDescription: z.string().max(HEADER_TEXT_MAX).optional(),
  })
  .strict();
export type ImageHeader = z.infer<typeof imageHeaderSchema>;

/**
 * An image as the renderer holds it: `hu` = stored CT values (HU = stored·slope + intercept), `gray8` = 8-bit
 * grayscale, `rgb8` = 8-bit interleaved RGB. `pixels` is the typed array of `dtype` itself (binary on every
 * transport), row-major, width·height values (×3 for rgb8).
 */
export const assistantImageSchema = z
  .object({
    kind: imageKindSchema,
    width: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    height: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    slope: z.number().finite().optional(),
    intercept: z.number().finite().optional(),
    dtype: pixelDtypeSchema,
    pixels: typedArraySchema('Int16Array', 'Uint16Array', 'Uint8Array', 'Float32Array'),
    /** The image's DICOM header tags (absent for PNG/JPEG): the model's header facts and the caption's forced prefix. */
    header: imageHeaderSchema.optional(),
  })
  .strict()
  .superRefine((image, ctx) => {
    if ((image.kind === 'gray8' || image.kind === 'rgb8') && image.dtype !== 'uint8') {
      ctx.addIssue({ code: 'custom', path: ['dtype'], message: `a ${image.kind} image needs dtype uint8, got ${image.dtype}` });
      return;
    }
    if (image.kind !== 'hu' && (image.slope !== undefined || image.intercept !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['slope'], message: 'slope/intercept apply to hu images only' });
    }
    const arrayType = PIXEL_ARRAY_TYPE[image.dtype];
    if (typedArrayTypeOf(image.pixels) !== arrayType) {
      ctx.addIssue({ code: 'custom', path: ['pixels'], message: `is a ${typedArrayTypeOf(image.pixels)} but dtype ${image.dtype} needs a ${arrayType}` });
      return;
    }
    const channels = image.kind === 'rgb8' ? 3 : 1;
    const expected = image.width * image.height * channels;
    if (image.pixels.length !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['pixels'],
        message: `holds ${image.pixels.length} values but a ${image.width}×${image.height} ${image.kind} image has ${expected}`,
      });
    }
  });
export type AssistantImage = z.infer<typeof assistantImageSchema>;

/** What a model folder can do (`embed`: image and text into one vector space, for retrieval and zero-shot). */
export const assistantTaskSchema = z.enum(['caption', 'vqa', 'segment', 'embed']);
export type AssistantTask = z.infer<typeof assistantTaskSchema>;

export const assistantStatusSchema = z.object({
  /** The model the assistant uses (folder name), null when no model folder is installed. */
  model: z.string().nullable(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  parameters: z.number().int().nullable(),
  /** Whether the inference worker has the model in memory (it loads on first use). */
  loaded: z.boolean(),
  /** Prompts the model was trained to segment. */
  segmentPrompts: z.array(z.string()),
  /** The tasks the model folder supports; empty when there is no usable model. */
  tasks: z.array(assistantTaskSchema),
  /** Why the assistant cannot run (no model, or a broken model folder naming the file); null when it can. */
  problem: z.string().nullable(),
});
export type AssistantStatus = z.infer<typeof assistantStatusSchema>;

export const textAnswerSchema = z.object({
  text: z.string(),
  /** Number of tokens generated (without the end token). */
  tokens: z.number().int().min(0),
  model: z.string(),
  /** Round-trip time of the request in milliseconds. */
  ms: z.number(),
  /**
   * Captions, and answers of 0.3 models: the probability of the whole greedy text, the product of each generated
   * token's softmax probability including the end token (a caption's forced header words are not generated).
   */
  probability: z.number().min(0).max(1).optional(),
  /** Answers: true when the probability is below the model's calibrated answer_uncertain_below. */
  uncertain: z.boolean().optional(),
});
export type TextAnswer = z.infer<typeof textAnswerSchema>;

export const segmentationAnswerSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  /** width·height values, row-major, 1 inside the mask and 0 outside. */
  mask: typedArraySchema('Uint8Array'),
  /** Mean model probability over the pixels inside the mask; absent when the mask is empty. */
  probabilityMean: z.number().optional(),
  /**
   * Whether the prompted structure is in the image: false when the model's presence probability is below its
   * presence_threshold (the mask is then empty). Models without a presence output: whether the mask has pixels.
   */
  present: z.boolean(),
  /** The model's presence probability (0.3 models with a presence output). */
  presenceProbability: z.number().min(0).max(1).optional(),
  model: z.string(),
  ms: z.number(),
});
export type SegmentationAnswer = z.infer<typeof segmentationAnswerSchema>;

/** Largest number of labels and longest label of a zero-shot classification. */
export const CLASSIFY_MAX_LABELS = 16;
export const CLASSIFY_LABEL_MAX = 64;

/**
 * The user's own labels to classify an image into: 2–16 distinct labels, each 1–64 characters with a letter or a
 * digit (the text embedding reads words). Trimmed. The CLI's --labels is checked with this too.
 */
export const classifyLabelsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1, 'is empty')
      .max(CLASSIFY_LABEL_MAX, `is longer than ${CLASSIFY_LABEL_MAX} characters`)
      .regex(/[\p{L}\p{N}]/u, 'has no letter or digit'),
  )
  .min(2, 'give at least two labels to choose between')
  .max(CLASSIFY_MAX_LABELS, `give at most ${CLASSIFY_MAX_LABELS} labels`)
  .superRefine((labels, ctx) => {
    const seen = new Set<string>();
    labels.forEach((label, i) => {
      if (seen.has(label)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats "${label}"` });
      seen.add(label);
    });
  });

/**
 * A comma-separated list of labels (the dock's labels field, the CLI's --labels) checked by classifyLabelsSchema:
 * the labels, or the first reason in words ("label 2 is empty").
 */
export function parseLabelList(text: string): { ok: true; labels: string[] } | { ok: false; reason: string } {
  const parsed = classifyLabelsSchema.safeParse(text.split(','));
  if (parsed.success) return { ok: true, labels: parsed.data };
  const issue = parsed.error.issues[0];
  const at = typeof issue.path[0] === 'number' ? `label ${issue.path[0] + 1} ` : '';
  return { ok: false, reason: `${at}${issue.message}` };
}

export const classifyRequestSchema = z.object({ image: assistantImageSchema, labels: classifyLabelsSchema.optional() }).strict();

export const classifiedLabelSchema = z.object({
  label: z.string(),
  /** Softmax over the set's labels of logit_scale × cosine (the set's probabilities sum to 1). */
  probability: z.number().min(0).max(1),
  /** Cosine of the image embedding and the label's ensembled text embedding. */
  cosine: z.number(),
});

export const classifyAnswerSchema = z.object({
  /** Without labels: 'modality' then 'region'; with labels, one set 'labels'. Each set's labels most probable first. */
  sets: z.array(z.object({ name: z.string(), labels: z.array(classifiedLabelSchema) })),
  model: z.string(),
  version: z.string(),
  ms: z.number(),
});
export type ClassifyAnswer = z.infer<typeof classifyAnswerSchema>;

/** The page's name for one streamed caption request: its progress events carry it. */
export const captionStreamIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/**
 * Longest caption text a progress event carries. Events go to every page and socket, so their size is bounded here
 * rather than by the model folder (a user's folder may allow long texts); a caption that grows past it is sent
 * whole in the call's answer only.
 */
export const CAPTION_PROGRESS_MAX_CHARS = 4096;

/** A streamed caption so far: the text, what the last step added (`delta`), and how many tokens it holds. */
export const captionProgressSchema = z
  .object({
    streamId: captionStreamIdSchema,
    text: z.string().max(CAPTION_PROGRESS_MAX_CHARS),
    delta: z.string().max(CAPTION_PROGRESS_MAX_CHARS),
    tokens: z.number().int().min(0).max(CAPTION_PROGRESS_MAX_CHARS),
  })
  .strict();
export type CaptionProgress = z.infer<typeof captionProgressSchema>;

export const assistantCalls = {
  'assistant.status': defineCall(z.object({}).strict(), assistantStatusSchema),
  /** A short structured description of the image (modality, plane, organ, findings). */
  /**
   * With `streamId` (the caller's own name for this request), the caption is sent as it grows in
   * `assistant.captionProgress` events carrying that id, before the answer.
   */
  'assistant.caption': defineCall(z.object({ image: assistantImageSchema, streamId: captionStreamIdSchema.optional() }).strict(), textAnswerSchema),
  'assistant.ask': defineCall(
    z.object({ image: assistantImageSchema, question: z.string().trim().min(1).max(500) }).strict(),
    textAnswerSchema,
  ),
  'assistant.segment': defineCall(
    z.object({ image: assistantImageSchema, prompt: z.string().trim().min(1).max(200) }).strict(),
    segmentationAnswerSchema,
  ),
  /**
   * Zero-shot classification by the model's image and text embeddings (models with embeddings): the image's
   * modality and region, or the given labels. A model without embeddings answers 'unsupported', naming it.
   */
  'assistant.classify': defineCall(classifyRequestSchema, classifyAnswerSchema),
} as const;
