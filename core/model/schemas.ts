import { z } from 'zod';

/**
 * The JSON files of a model folder (Hugging Face layout), as the Python exporter writes them.
 * Pure schemas: usable from the renderer, the worker and the CLI alike.
 */

const tokenId = z.number().int().min(0);
const fileName = z
  .string()
  .min(1)
  .refine((f) => !f.includes('/') && !f.includes('\\') && f !== '.' && f !== '..', 'must be a plain file name inside the model folder');

/** The header facts the image encoder reads: per slot, its value list with `<unk>` at index 0. */
export const headerFusionSchema = z
  .object({
    slots: z.array(z.string().min(1)).min(1),
    values: z.record(z.string(), z.array(z.string().min(1)).min(1)),
  })
  .superRefine((fusion, ctx) => {
    for (const slot of fusion.slots) {
      const values = fusion.values[slot];
      if (!values) ctx.addIssue({ code: 'custom', path: ['values', slot], message: `slot "${slot}" has no value list` });
      else if (values[0] !== '<unk>') ctx.addIssue({ code: 'custom', path: ['values', slot, 0], message: `must be "<unk>", got "${values[0]}"` });
    }
    if (new Set(fusion.slots).size !== fusion.slots.length) ctx.addIssue({ code: 'custom', path: ['slots'], message: 'lists a slot twice' });
  });
export type HeaderFusion = z.infer<typeof headerFusionSchema>;

/** The mask decoder's input for the image at mask_size (config.json mask_size / mask_decoder_inputs). */
export const PIXEL_VALUES_HIRES = 'pixel_values_hires';

export const modelConfigSchema = z.object({
  model_type: z.literal('vesalius-vlm'),
  version: z.string().min(1),
  /** Optional human description shown by the assistant panel. */
  description: z.string().optional(),
  /**
   * A test fixture (random weights: models/training/make_tiny.py writes it), not a model for reading images: the
   * app's model list leaves it out unless the process was started with it; `vesalius models list` marks it.
   */
  test_only: z.boolean().optional(),
  image_size: z.number().int().min(1),
  patch_size: z.number().int().min(1),
  hidden_size: z.number().int().min(1),
  num_heads: z.number().int().min(1),
  encoder_layers: z.number().int().min(0),
  decoder_layers: z.number().int().min(0),
  max_text_len: z.number().int().min(4),
  vocab_size: z.number().int().min(8),
  bos_token_id: tokenId,
  eos_token_id: tokenId,
  pad_token_id: tokenId,
  task_prefixes: z.object({ caption: z.string(), vqa: z.string(), segment: z.string() }),
  max_answer_tokens: z.number().int().min(1),
  max_caption_tokens: z.number().int().min(1),
  segment_prompts: z.array(z.string()),
  mask_threshold: z.number().gt(0).lt(1),
  /** image_embed / text_embed (the contrastive graphs) are optional: a folder without them has no `embed` task. */
  files: z.object({
    image_encoder: fileName,
    text_decoder: fileName,
    mask_decoder: fileName,
    image_embed: fileName.optional(),
    text_embed: fileName.optional(),
  }),
  encoder_outputs: z.array(z.string().min(1)).min(1).refine((names) => names.includes('image_embeds'), 'must include image_embeds'),
  parameters: z.number().int().min(0),
  /** The contrastive embedding space of image_embed.onnx / text_embed.onnx (0.2.0 on). */
  embeddings: z.object({ embed_dim: z.number().int().min(1), logit_scale: z.number().finite().optional() }).optional(),
  /** 0.3: the mask decoder's presence probability below this gives an empty mask ("not found"). */
  presence_threshold: z.number().gt(0).lt(1).optional(),
  /** 0.3: present ⇔ image_encoder.onnx has the input `header_ids` (core/model/header-facts.ts). */
  header_fusion: headerFusionSchema.optional(),
  /** 0.3: the header slots whose known values are forced at the start of a caption, in this order. */
  caption_prefix_slots: z.array(z.string().min(1)).optional(),
  /** 0.3: question rules (too long → error; mostly unknown words → refused). */
  vqa: z.object({ max_question_tokens: z.number().int().min(1), max_unknown_fraction: z.number().min(0).max(1) }).optional(),
  /** 0.3: how an answer's probability is computed; "sequence" = product of the greedy tokens' probabilities incl. <eos>. */
  answer_probability: z.literal('sequence').optional(),
  /** 0.3: answers whose probability is below this are marked uncertain (calibrated on validation). */
  answer_uncertain_below: z.number().min(0).max(1).optional(),
  /** Written by models/training/quantize.py: how the weights are stored (e.g. int8 per channel) and the compute precision. */
  quantization: z.object({ weights: z.string().min(1), activations: z.string().min(1) }).optional(),
  /** The mask decoder's inputs as the exporter names them (informational, but for pixel_values_hires: see mask_size). */
  mask_decoder_inputs: z.array(z.string().min(1)).optional(),
  /**
   * The mask refiner's resolution R: mask_decoder.onnx also reads `pixel_values_hires` (the image preprocessed as
   * pixel_values, at R × R) and its mask_logits are R × R. Absent ⇒ masks come at image_size, from the encoder alone.
   */
  mask_size: z.number().int().min(1).optional(),
}).superRefine((config, ctx) => {
  // The app feeds pixel_values_hires exactly when mask_size is set; a folder saying one without the other is inconsistent.
  const declared = config.mask_decoder_inputs?.includes(PIXEL_VALUES_HIRES) ?? false;
  if (config.mask_size !== undefined && !declared) {
    ctx.addIssue({ code: 'custom', path: ['mask_decoder_inputs'], message: `must include ${PIXEL_VALUES_HIRES} when mask_size is set (mask_size ${config.mask_size})` });
  }
  if (config.mask_size === undefined && declared) {
    ctx.addIssue({ code: 'custom', path: ['mask_size'], message: `is required when mask_decoder_inputs includes ${PIXEL_VALUES_HIRES} (the size to preprocess it at)` });
  }
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export const tokenizerJsonSchema = z.object({
  type: z.literal('word-level'),
  lowercase: z.boolean(),
  split_pattern: z.string().min(1).refine((pattern) => {
    try {
      new RegExp(pattern, 'g');
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression'),
  vocab: z.record(z.string(), tokenId).refine((v) => Object.keys(v).length > 0, 'is empty'),
  /** Tokens that steer the model (`<bos>`, `<vqa>`, …); all but `<unk>` are dropped when decoding. */
  special_tokens: z.array(z.string()).optional(),
  /** Free text from the exporter documenting decoding; the rule itself is implemented in tokenizer.ts. */
  decode: z.unknown().optional(),
});
export type TokenizerJson = z.infer<typeof tokenizerJsonSchema>;

export const preprocessorConfigSchema = z.object({
  image_size: z.number().int().min(1),
  resize: z.literal('bilinear_align_corners_false'),
  ct: z.object({ source: z.literal('hu'), hu_min: z.number(), hu_max: z.number() }).refine((ct) => ct.hu_max > ct.hu_min, 'hu_max must exceed hu_min'),
  gray8: z.object({ scale: z.number().positive() }),
  mean: z.number(),
  std: z.number().positive(),
  /** 0.3: "pad" keeps the aspect ratio (top-left on a zero canvas); absent ⇒ "stretch" (0.2.0). */
  fit: z.enum(['pad', 'stretch']).optional(),
});
export type PreprocessorConfig = z.infer<typeof preprocessorConfigSchema>;

export const referenceTensorSchema = z.object({
  file: fileName,
  dtype: z.enum(['float32', 'int64', 'uint8', 'int16', 'uint16']),
  shape: z.array(z.number().int().min(0)),
});
export type ReferenceTensor = z.infer<typeof referenceTensorSchema>;

/** `reference/manifest.json`: parity data exported by the PyTorch code. */
export const referenceManifestSchema = z.object({
  cases: z.array(
    z.object({
      name: z.string(),
      /** The text behind the case's ids, e.g. `<bos> <vqa> is there a pneumothorax? <sep>`. */
      text: z.string().optional(),
      inputs: z.record(z.string(), referenceTensorSchema),
      outputs: z.record(z.string(), referenceTensorSchema),
    }),
  ),
  preprocess: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['hu', 'gray8', 'rgb8']),
      raw: referenceTensorSchema,
      slope: z.number().optional(),
      intercept: z.number().optional(),
      pixel_values: referenceTensorSchema,
      /** With a mask refiner (config.json mask_size): the same image preprocessed at mask_size. */
      pixel_values_hires: referenceTensorSchema.optional(),
    }),
  ),
});
export type ReferenceManifest = z.infer<typeof referenceManifestSchema>;
