// Calls that write scores to a file the user chose: the Scoring dock's "Export CSV" / "Export JSON".
import { z } from 'zod';
import { defineCall } from './define';
import { datasetArgsSchema, maskScoreArgsSchema } from './masks';
import { pathSchema } from './primitives';

/** What is scored: two stored segmentations of a series (one case), or two folders of mask files (a dataset). */
export const scoreSourceSchema = z.discriminatedUnion('kind', [
  maskScoreArgsSchema.extend({ kind: z.literal('case') }).strict(),
  datasetArgsSchema.extend({ kind: z.literal('dataset') }).strict(),
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
