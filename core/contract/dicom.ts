import { z } from 'zod';
import { defineCall } from './define';
import { jobIdSchema, pathSchema } from './primitives';

/** Why a file was not imported. Every file under the opened paths is either an instance or one of these. */
export const importErrorCodeSchema = z.enum([
  'not_dicom',
  /** Has the DICOM "DICM" marker but its header cannot be parsed (e.g. data set encoded unlike its transfer syntax). */
  'malformed',
  'truncated',
  'no_pixel_data',
  /** A DICOM object that is not an image for the stack viewer: SEG (open as a mask), RTSTRUCT, SR, DICOMDIR... */
  'not_an_image',
  'unsupported_transfer_syntax',
  'duplicate',
  'unreadable',
  'missing_tag',
  /** A dataset's mask that could not be stored as a segmentation of its image (or has no image). */
  'mask_rejected',
]);
export type ImportErrorCode = z.infer<typeof importErrorCodeSchema>;

export const importErrorSchema = z.object({
  path: z.string(),
  code: importErrorCodeSchema,
  reason: z.string(),
});
export type ImportError = z.infer<typeof importErrorSchema>;

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

export const instanceSchema = z.object({
  /** From (0008,0018), or from the file meta header's (0002,0003) when the data set's is blank. */
  sopInstanceUid: z.string(),
  sopClassUid: z.string(),
  path: z.string(),
  /** Opaque id under which the host serves this file's bytes (`/dicom/<fileKey>`); never a path. */
  fileKey: z.string(),
  instanceNumber: z.number().nullable(),
  imagePositionPatient: vec3.nullable(),
  imageOrientationPatient: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).nullable(),
  sliceLocation: z.number().nullable(),
  numberOfFrames: z.number().int().min(1),
  rows: z.number().int(),
  columns: z.number().int(),
  transferSyntaxUid: z.string(),
});
export type Instance = z.infer<typeof instanceSchema>;

/** One displayed frame of a series (the shape of core/geometry's FrameRef). */
export const frameRefSchema = z.object({
  sopInstanceUid: z.string(),
  /** 1-based frame number inside a multi-frame instance; null for a single-frame instance. */
  frame: z.number().int().min(1).nullable(),
  fileKey: z.string(),
});
export type FrameRef = z.infer<typeof frameRefSchema>;

export const seriesSchema = z.object({
  /** The DICOM UID, or `derived:<hex>` when the files left it blank (anonymised data): a grouping key, not a UID to write out. */
  seriesInstanceUid: z.string(),
  seriesNumber: z.number().nullable(),
  modality: z.string(),
  description: z.string(),
  /** In canonical order (core/geometry/slice-order), the order `frames` expands. */
  instances: z.array(instanceSchema),
  /** The canonical frame list: index z → instance and frame, as the viewer stacks it and masks lie on it. */
  frames: z.array(frameRefSchema),
});
export type Series = z.infer<typeof seriesSchema>;

export const studySchema = z.object({
  /** The DICOM UID, or `derived:<hex>` when the files left it blank (anonymised data): a grouping key, not a UID to write out. */
  studyInstanceUid: z.string(),
  studyDate: z.string(),
  studyTime: z.string(),
  description: z.string(),
  accessionNumber: z.string(),
  series: z.array(seriesSchema),
});
export type Study = z.infer<typeof studySchema>;

export const patientSchema = z.object({
  patientId: z.string(),
  patientName: z.string(),
  birthDate: z.string(),
  sex: z.string(),
  studies: z.array(studySchema),
});
export type Patient = z.infer<typeof patientSchema>;

export const importResultSchema = z.object({
  patients: z.array(patientSchema),
  /** Every file not imported, plus any folder or entry that could not be read (code `unreadable`). */
  errors: z.array(importErrorSchema),
  /** Entries accounted for: every regular file found under the given paths plus unreadable entries; always instances + errors. */
  fileCount: z.number().int(),
});
export type ImportResult = z.infer<typeof importResultSchema>;

/** What an import into the catalog did: counts and keys only; the studies themselves come from catalog.* calls. */
export const importSummarySchema = z.object({
  /** Entries accounted for: every regular file found under the given paths plus unreadable entries. */
  fileCount: z.number().int(),
  /** Files read and newly in the catalog. */
  added: z.number().int(),
  /** Files read again because their size or modification time changed. */
  updated: z.number().int(),
  /** Files skipped because the catalog already knew them unchanged (images and rejected files alike). */
  unchanged: z.number().int(),
  /** Files the catalog knew under the imported paths that are gone now (marked missing). */
  missing: z.number().int(),
  /** Every file not imported (this time or, unchanged, before) and every entry that could not be read. */
  errors: z.array(importErrorSchema),
  /** Masks of PNG datasets stored as expert segmentations (absent where the import had no dataset). */
  expertMasks: z.number().int().optional(),
  /** Studies and series holding the imported files, in catalog order (most recent study first). */
  studyKeys: z.array(z.string()),
  seriesKeys: z.array(z.string()),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;

export const importJobStatusSchema = z.object({
  jobId: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  processed: z.number().int(),
  total: z.number().int(),
  result: importSummarySchema.nullable(),
  message: z.string().nullable(),
});
export type ImportJobStatus = z.infer<typeof importJobStatusSchema>;


export const dicomCalls = {
  /** Imports files and folders (recursive) into the catalog, granting them. A job (kind `import`): follow jobs.progress, then read the summary with jobs.status. */
  'dicom.startImport': defineCall(
    z
      .object({
        paths: z.array(pathSchema).min(1).max(10_000),
        /** How the user gave them (recorded with the grant); default: typed into a path field. */
        how: z.enum(['dialog', 'path-field', 'drop', 'cli']).optional(),
      })
      .strict(),
    z.object({ jobId: jobIdSchema }),
  ),
  /** Imports an embedded sample: our synthetic CT phantom, or the real CT series from the data directory. */
  'dicom.openSample': defineCall(
    z.object({ sample: z.enum(['phantom', 'real-ct']) }).strict(),
    z.object({ jobId: jobIdSchema }),
  ),
} as const;
