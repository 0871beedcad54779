import { z } from 'zod';
import { defineCall } from './define';
import { assistantTaskSchema } from './assistant';

// The assistant's model registry (issue 13 item 2): the bundled model folders and the user's own under
// `$VESALIUS_HOME/models`, each validated (its JSON files and that the ONNX files it names are there); which one the
// assistant uses, and switching to another. The choice is kept in the data home.

/**
 * Where a model folder comes from: shipped with the app, the user's models folder, or a folder the process was
 * started with (`--model DIR`, tests), which the picker lists so the one in use is always among its entries.
 */
export const modelSourceSchema = z.enum(['bundled', 'user', 'folder']);
export type ModelSource = z.infer<typeof modelSourceSchema>;

/** Longest model id accepted: `user:<folder name>` (a name is at most 255 bytes on common file systems), or a folder path. */
export const MAX_MODEL_ID = 4096;

export const modelEntrySchema = z.object({
  /** Stable across restarts: the source and the folder name (`bundled:vesalius-vlm-0.3.0`, `user:my-model`). */
  id: z.string().min(1).max(MAX_MODEL_ID),
  /** The folder's name: how answers and segmentations name the model. */
  name: z.string(),
  /** config.json's version; null when it cannot be read. */
  version: z.string().nullable(),
  source: modelSourceSchema,
  dir: z.string(),
  /** What the folder can do; empty when it has a problem. */
  tasks: z.array(assistantTaskSchema),
  /** The structures it segments (its declared prompts). */
  segmentPrompts: z.array(z.string()),
  /** Why it cannot be used — the file and the reason; null when it can. */
  problem: z.string().nullable(),
  /**
   * A test fixture (config.json `test_only`: random weights), not a model for reading images. The app lists one only
   * when the process was started with it; the CLI lists them all, marked.
   */
  testOnly: z.boolean(),
});
export type ModelEntry = z.infer<typeof modelEntrySchema>;

export const modelListSchema = z.object({
  models: z.array(modelEntrySchema),
  /** The entry the assistant uses now; null when no usable model is there. */
  selectedId: z.string().nullable(),
  /** Something to say about the choice, e.g. that the model chosen before is gone and the default is used. */
  notice: z.string().nullable(),
});
export type ModelList = z.infer<typeof modelListSchema>;

export const modelCalls = {
  'assistant.listModels': defineCall(z.object({}).strict(), modelListSchema),
  /**
   * Makes the assistant use another model folder: refused for an unknown id or a folder with a problem. The old
   * inference worker is stopped; the next request loads the new folder. Kept in the data home across restarts.
   */
  'assistant.selectModel': defineCall(z.object({ id: z.string().min(1).max(MAX_MODEL_ID) }).strict(), modelListSchema),
} as const;
