// Calls that write scores to a file the user chose: the Scoring dock's "Export CSV" / "Export JSON".
import { z } from 'zod';
import { defineCall } from './define';
import { maskSetIdSchema } from './masks';
import { pathSchema } from './primitives';

const emptyRuleSchema = z.enum(['one', 'skip']);
const versionNumberSchema = z.number().int().min(1);

/** What is scored: two stored segmentations of a series (one case), or two folders of mask files (a dataset). */
export const scoreSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('case'),
      truthId: maskSetIdSchema,
      predId: maskSetIdSchema,
      emptyRule: emptyRuleSchema.default('one'),
      /** Versions to score (the heads when omitted), as masks.score takes them. */
      truthVersion: versionNumberSchema.optional(),
      predVersion: versionNumberSchema.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('dataset'), truthDir: pathSchema, predDir: pathSchema, emptyRule: emptyRuleSchema.default('one') }).strict(),
]);
export type ScoreSource = z.infer<typeof scoreSourceSchema>;

export const scoreCalls = {
  /**
   * Scores the source again and writes the scores to a granted path: CSV as `vesalius score --csv` writes it,
   * JSON as `vesalius score --json` prints it (byte for byte, for the same inputs). Written beside the name
   * and renamed. Pairs that could not be scored are listed in the file and counted here.
   */
  'scores.export': defineCall(
    z.object({ scores: scoreSourceSchema, format: z.enum(['csv', 'json']), outPath: pathSchema }).strict(),
    z.object({ path: z.string(), format: z.enum(['csv', 'json']), bytes: z.number().int(), cases: z.number().int(), errors: z.number().int() }),
  ),
} as const;
