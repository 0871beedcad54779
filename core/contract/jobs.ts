// Generic background jobs: one registry (core/jobs) behind every long task. Progress reaches the page as
// `jobs.progress` events (core/contract/events.ts); the final result is fetched once with `jobs.status`.
import { z } from 'zod';
import { defineCall } from './define';
import { importSummarySchema } from './dicom';
import { datasetScoreSchema } from './masks';
import { jobIdSchema } from './primitives';
import { searchIndexSummarySchema } from './search';

/** What a job does; each kind has its own result shape in `jobs.status`. */
export const jobKindSchema = z.enum(['import', 'datasetScore', 'searchIndex']);
export type JobKind = z.infer<typeof jobKindSchema>;

export const jobStateSchema = z.enum(['running', 'done', 'cancelled', 'failed']);
export type JobState = z.infer<typeof jobStateSchema>;

/** A job's progress: the payload of every `jobs.progress` event and the common part of `jobs.status`. */
export const jobProgressSchema = z
  .object({
    jobId: jobIdSchema,
    kind: jobKindSchema,
    state: jobStateSchema,
    /** Units finished so far of `total` (0 of 0 until the work knows its size). */
    done: z.number().int().min(0),
    total: z.number().int().min(0),
    /** Why it failed or that it was cancelled; null while running and when done. */
    message: z.string().nullable(),
  })
  .strict();
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** The result schema of each job kind, non-null once the job is done. */
export const jobResultSchemas = {
  import: importSummarySchema,
  datasetScore: datasetScoreSchema,
  searchIndex: searchIndexSummarySchema,
} as const satisfies Record<JobKind, z.ZodType>;
export type JobResults = { [K in JobKind]: z.output<(typeof jobResultSchemas)[K]> };

/** A job's progress and, once it is done, its result (null before, and when it failed or was cancelled). */
export const jobStatusSchema = z.discriminatedUnion('kind', [
  jobProgressSchema.extend({ kind: z.literal('import'), result: jobResultSchemas.import.nullable() }),
  jobProgressSchema.extend({ kind: z.literal('datasetScore'), result: jobResultSchemas.datasetScore.nullable() }),
  jobProgressSchema.extend({ kind: z.literal('searchIndex'), result: jobResultSchemas.searchIndex.nullable() }),
]);
export type JobStatus = z.infer<typeof jobStatusSchema>;
/** The status of a job of one kind. */
export type JobStatusOf<K extends JobKind> = Extract<JobStatus, { kind: K }>;

export const jobCalls = {
  /** A job's state, progress and (once done) result; `not_found` for an unknown or long-forgotten job. */
  'jobs.status': defineCall(z.object({ jobId: jobIdSchema }).strict(), jobStatusSchema),
  /** Cancels a running job; `cancelled: false` when it is unknown or already finished. */
  'jobs.cancel': defineCall(z.object({ jobId: jobIdSchema }).strict(), z.object({ cancelled: z.boolean() })),
} as const;
