// The persistent study catalog: what every import found, kept across restarts, and the user's granted paths.
import { z } from 'zod';
import { defineCall } from './define';
import { patientSchema, seriesSchema, studySchema } from './dicom';
import { pathSchema, seriesKeySchema } from './primitives';

/** A calendar day as DICOM writes it (YYYYMMDD) or as a date field gives it (YYYY-MM-DD). */
const daySchema = z
  .string()
  .regex(/^\d{4}-?\d{2}-?\d{2}$/, 'is not a date (YYYYMMDD or YYYY-MM-DD)')
  .transform((d) => d.replaceAll('-', ''));

export const studyQuerySchema = z
  .object({
    /** Words matched (each, case-insensitive) against patient name and id, study and series descriptions, accession number. */
    query: z.string().max(200).optional(),
    /** Only studies with a series of this modality (CT, MR, …). */
    modality: z.string().max(16).optional(),
    dateFrom: daySchema.optional(),
    dateTo: daySchema.optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type StudyQuery = z.output<typeof studyQuerySchema>;

export const studySummarySchema = z.object({
  /** The study's key (its UID, or `derived:<hex>`): what catalog.study takes. */
  studyKey: seriesKeySchema,
  patientName: z.string(),
  patientId: z.string(),
  studyDate: z.string(),
  studyTime: z.string(),
  description: z.string(),
  accessionNumber: z.string(),
  /** Distinct modalities of its series, sorted. */
  modalities: z.array(z.string()),
  seriesCount: z.number().int(),
  instanceCount: z.number().int(),
  /** Instances whose file was gone at the last import that looked for it. */
  missingCount: z.number().int(),
  /** When an import last added or changed something in it (ms since 1970). */
  importedAt: z.number(),
});
export type StudySummary = z.infer<typeof studySummarySchema>;

/** Instances of each series (by key) whose file is missing: they are left out of `instances`. */
const missingBySeriesSchema = z.record(z.string(), z.number().int());

export const catalogStudySchema = z.object({
  /** The study's patient, holding this one study with its series (present instances only, in slice order). */
  patient: patientSchema,
  missingBySeries: missingBySeriesSchema,
});
export type CatalogStudy = z.infer<typeof catalogStudySchema>;

export const catalogSeriesSchema = z.object({
  patient: patientSchema.omit({ studies: true }),
  study: studySchema.omit({ series: true }),
  series: seriesSchema,
  missingCount: z.number().int(),
});
export type CatalogSeries = z.infer<typeof catalogSeriesSchema>;

/** How a path came to be granted: the user chose it in one of these ways. */
export const grantHowSchema = z.enum(['dialog', 'path-field', 'drop', 'cli', 'sample']);
export type GrantHow = z.infer<typeof grantHowSchema>;

export const catalogCalls = {
  /** Studies in the catalog, most recent study date first, filtered. */
  'catalog.studies': defineCall(studyQuerySchema, z.object({ studies: z.array(studySummarySchema), total: z.number().int() })),
  /** One study as the viewer needs it. */
  'catalog.study': defineCall(z.object({ studyKey: seriesKeySchema }).strict(), catalogStudySchema),
  /** One series with its patient and study. */
  'catalog.series': defineCall(z.object({ seriesKey: seriesKeySchema }).strict(), catalogSeriesSchema),
  /**
   * Records paths the user typed into a path field or dropped, so later calls (masks.open, dataset
   * scoring) may read them. Dialog picks and imports are granted by those calls themselves.
   */
  'catalog.grantPaths': defineCall(
    z.object({ paths: z.array(pathSchema).min(1).max(10_000), how: z.enum(['path-field', 'drop']) }).strict(),
    z.object({ granted: z.array(z.string()) }),
  ),
} as const;
