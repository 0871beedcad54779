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

export const modelConfigSchema = z.object({
  model_type: z.literal('vesalius-vlm'),
  version: z.string().min(1),
  /** Optional human description shown by the assistant panel. */
  description: z.string().optional(),
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
  files: z.object({ image_encoder: fileName, text_decoder: fileName, mask_decoder: fileName }),
  encoder_outputs: z.array(z.string().min(1)).min(1).refine((names) => names.includes('image_embeds'), 'must include image_embeds'),
  parameters: z.number().int().min(0),
  /** Written by models/training/quantize.py: how the weights are stored (e.g. int8 per channel) and the compute precision. */
  quantization: z.object({ weights: z.string().min(1), activations: z.string().min(1) }).optional(),
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
    }),
  ),
});
export type ReferenceManifest = z.infer<typeof referenceManifestSchema>;
