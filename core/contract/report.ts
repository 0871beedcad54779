// Calls for the report of a study: kept in the annotation store, versioned, signed, exported as PDF.
import { z } from 'zod';
import { aiItemIdSchema, reportContentSchema, reportVersionSchema } from '../report/model';
import { defineCall } from './define';
import { pathSchema, seriesKeySchema } from './primitives';

export { reportContentSchema, reportVersionSchema };

const personSchema = z.string().trim().min(1).max(256);
const versionSchema = z.number().int().min(1);
/** The version the change was made on (what report.get answered); 0 for a study without a report yet. */
const expectedVersionSchema = z.number().int().min(0);

export const reportVersionSummarySchema = reportVersionSchema.omit({ content: true });
export type ReportVersionSummary = z.infer<typeof reportVersionSummarySchema>;

export const reportCalls = {
  /** The newest version of the study's report (or version `version`, read-only when older); null when none was written. */
  'report.get': defineCall(
    z.object({ studyKey: seriesKeySchema, version: versionSchema.optional() }).strict(),
    z.object({ report: reportVersionSchema.nullable() }),
  ),
  /**
   * Saves the draft as the next version. Refused with `conflict` when another save came since
   * `expectedVersion`, or when the report is signed (locked: amend it). New AI items are stored as AI drafts;
   * an AI item whose text changed is marked edited by the author.
   */
  'report.saveDraft': defineCall(
    z
      .object({
        studyKey: seriesKeySchema,
        expectedVersion: expectedVersionSchema,
        content: reportContentSchema,
        note: z.string().max(1000).optional(),
        /** Who writes; the service's user name when omitted. */
        author: personSchema.optional(),
      })
      .strict(),
    reportVersionSchema,
  ),
  /** A person confirms one AI text as it is: it stops being an AI draft (who and when recorded). */
  'report.confirmAiItem': defineCall(
    z.object({ studyKey: seriesKeySchema, expectedVersion: expectedVersionSchema, itemId: aiItemIdSchema, author: personSchema.optional() }).strict(),
    reportVersionSchema,
  ),
  /** Signs the draft by name: the next version is final (amended, for an amendment) and locked. */
  'report.sign': defineCall(z.object({ studyKey: seriesKeySchema, expectedVersion: expectedVersionSchema, signer: personSchema }).strict(), reportVersionSchema),
  /** Opens an amendment of the signed report as a new draft; the signed version stays readable, superseded. */
  'report.amend': defineCall(
    z.object({ studyKey: seriesKeySchema, expectedVersion: expectedVersionSchema, reason: z.string().trim().min(1).max(1000), author: personSchema.optional() }).strict(),
    reportVersionSchema,
  ),
  /** Every version, oldest first, with state, signature and what superseded it. */
  'report.versions': defineCall(z.object({ studyKey: seriesKeySchema }).strict(), z.object({ versions: z.array(reportVersionSummarySchema) })),
  /**
   * Writes the report (the newest version, or `version`) as PDF to a path the user granted; key images
   * without a PNG are rendered from their files, and a report without key images gets the middle image
   * of each series. Audited.
   */
  'report.exportPdf': defineCall(
    z.object({ studyKey: seriesKeySchema, version: versionSchema.optional(), outPath: pathSchema, author: personSchema.optional() }).strict(),
    z.object({
      path: z.string(),
      bytes: z.number().int(),
      version: z.number().int(),
      state: z.string(),
      keyImages: z.number().int(),
      /** Key images that could not be rendered, each with its reason (the PDF is written without them). */
      skippedKeyImages: z.array(z.object({ sopInstanceUid: z.string(), frame: z.number().int(), reason: z.string() })),
      /** Characters of the report that no embedded font has, each once: printed as U+FFFD (�). */
      missingCharacters: z.array(z.string()),
    }),
  ),
  /**
   * Writes the report's DICOM outputs into a folder the user granted (created when missing): report.pdf.dcm
   * (the report PDF as Encapsulated PDF, its state printed as in the PDF), one <name>.seg.dcm per stored
   * segmentation of the study with voxels, and measurements.sr.dcm (TID 1500: the measurements on their
   * images and the segments' volumes, referencing those SEGs). With `pdfOutPath` the same PDF is also
   * written there (one rendering for both). Each file is written beside its name and renamed; audited.
   */
  'report.exportDicom': defineCall(
    z.object({ studyKey: seriesKeySchema, version: versionSchema.optional(), outDir: pathSchema, pdfOutPath: pathSchema.optional(), author: personSchema.optional() }).strict(),
    z.object({
      version: z.number().int(),
      state: z.string(),
      files: z.array(
        z.object({
          kind: z.enum(['encapsulated-pdf', 'sr', 'seg']),
          path: z.string(),
          sopClassUid: z.string(),
          sopInstanceUid: z.string(),
          seriesInstanceUid: z.string(),
          bytes: z.number().int(),
          /** For a SEG: the stored segmentation it was written from. */
          maskSetId: z.string().optional(),
        }),
      ),
      /** Measurements in the SR. */
      measurements: z.number().int(),
      /** What was left out of the SR (or its statistics), each with its reason. */
      skipped: z.array(z.object({ what: z.string(), reason: z.string() })),
      /** The PDF written to `pdfOutPath`, when asked. */
      pdf: z.object({ path: z.string(), bytes: z.number().int() }).nullable(),
      keyImages: z.number().int(),
      skippedKeyImages: z.array(z.object({ sopInstanceUid: z.string(), frame: z.number().int(), reason: z.string() })),
      /** Characters of the report that no embedded font has, each once: printed as U+FFFD (�). */
      missingCharacters: z.array(z.string()),
    }),
  ),
} as const;
