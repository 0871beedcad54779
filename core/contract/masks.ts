// Calls for opening mask files alongside a series and scoring them against each other (issue 3),
// kept as stored segmentations with provenance and versions in the annotation store (issue 8).
import { z } from 'zod';
import { provenanceSchema, roleSchema, segmentSchema } from '../annotations/model';
import { defineCall } from './define';
import { jobIdSchema, pathSchema, seriesKeySchema, typedArraySchema } from './primitives';

/** A stored segmentation's id (core/store); a tight pattern so an id can never smuggle a path. */
export const segmentationIdSchema = z.string().regex(/^seg-[0-9a-f]{16}$/, 'is not a segmentation id');
/** The ids masks.data and masks.score take are stored segmentation ids. */
export const maskSetIdSchema = segmentationIdSchema;
const versionNumberSchema = z.number().int().min(1);
const authorSchema = z.string().min(1).max(256);
const shapeSchema = z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]);
const emptyRuleSchema = z.enum(['one', 'skip']);

export const maskDtypeSchema = z.enum(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);
export type MaskDtype = z.infer<typeof maskDtypeSchema>;

export const maskLabelSchema = z.object({
  value: z.number().int(),
  /** From the file when it names its labels (SEG segment labels, a label table); otherwise null. */
  name: z.string().nullable(),
  voxelCount: z.number().int().min(0),
});
export type MaskLabel = z.infer<typeof maskLabelSchema>;

export const maskSetInfoSchema = z.object({
  maskSetId: maskSetIdSchema,
  /** The file it was read from. */
  path: z.string(),
  /** File name, for lists. */
  name: z.string(),
  /** [width, height, depth] = [columns, rows, slices]. */
  shape: shapeSchema,
  spacingMm: z.tuple([z.number(), z.number(), z.number()]),
  /** Foreground labels only (value 0 is background), ascending. */
  labels: z.array(maskLabelSchema),
  /** The series it belongs to, or null when neither the file nor the caller named one. */
  seriesInstanceUid: z.string().nullable(),
  /** Where seriesInstanceUid came from: the file itself (DICOM SEG), the caller, or nowhere. */
  seriesFrom: z.enum(['file', 'caller', 'none']),
  /** Who made it in what role, and from which file or model. */
  provenance: provenanceSchema,
  /** Segments with their numbers (= label values above), names, colours and codes. */
  segments: z.array(segmentSchema),
  createdAt: z.string(),
  /** The newest version's number (the head) and how many versions there are. */
  headVersion: versionNumberSchema,
  versionCount: z.number().int().min(1),
  /** The version these labels and masks.data answers describe: the head, or an older one opened read-only. */
  version: versionNumberSchema,
  readOnly: z.boolean(),
  groundTruth: z.object({ versionNumber: versionNumberSchema, markedAt: z.string(), markedBy: z.string() }).nullable(),
});
export type MaskSetInfo = z.infer<typeof maskSetInfoSchema>;

export const maskVersionSchema = z.object({
  number: versionNumberSchema,
  parentNumber: versionNumberSchema.nullable(),
  createdAt: z.string(),
  author: z.string(),
  note: z.string(),
  segments: z.array(segmentSchema),
  /** Foreground voxels per segment number in this version. */
  voxelCounts: z.record(z.string(), z.number().int().min(0)),
});
export type MaskVersion = z.infer<typeof maskVersionSchema>;

export const maskOpenErrorSchema = z.object({ path: z.string(), reason: z.string() });
export type MaskOpenError = z.infer<typeof maskOpenErrorSchema>;

/** Most label bytes one masks.data answer carries (they cross as a typed array, in a binary frame on the socket). */
export const MAX_MASK_DATA_BYTES = 24 * 1024 * 1024;

export const maskDataSchema = z.object({
  maskSetId: maskSetIdSchema,
  /** The whole volume's [width, height, depth]. */
  shape: shapeSchema,
  /** The slices carried: [zStart, zStart + zCount). */
  zStart: z.number().int().min(0),
  zCount: z.number().int().min(1),
  /** The narrowest type that holds the labels (may be narrower than the file's). */
  dtype: maskDtypeSchema,
  /** Those slices' labels as the typed array of `dtype` (x fastest, then y, then z). */
  labels: typedArraySchema('Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array'),
});
export type MaskData = z.infer<typeof maskDataSchema>;

export const labelScoreSchema = z.object({
  label: z.number().int(),
  tp: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  iou: z.number().nullable(),
  dice: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  truthVoxels: z.number().int(),
  predVoxels: z.number().int(),
  truthVolumeMl: z.number(),
  predVolumeMl: z.number(),
});

export const caseScoreSchema = z.object({
  name: z.string(),
  labels: z.array(labelScoreSchema),
  miou: z.number().nullable(),
  meanDice: z.number().nullable(),
  empty: z.boolean(),
});

export const maskScoreSchema = z.object({
  truthId: maskSetIdSchema,
  predId: maskSetIdSchema,
  emptyRule: emptyRuleSchema,
  caseScore: caseScoreSchema,
  /** Per slice (z): the slice's mIoU (mean IoU over the labels present on it); null where both masks are empty there. */
  sliceIou: z.array(z.number().nullable()),
  /** Per label, per slice: its IoU; null where the label is on neither mask on that slice. */
  sliceIouByLabel: z.array(z.object({ label: z.number().int(), sliceIou: z.array(z.number().nullable()) })),
});
export type MaskScore = z.infer<typeof maskScoreSchema>;

export const datasetCaseSchema = z.object({
  name: z.string(),
  truthPath: z.string(),
  predPath: z.string(),
  /** null when the case was skipped (empty, rule 'skip') or failed to read (see error). */
  miou: z.number().nullable(),
  meanDice: z.number().nullable(),
  empty: z.boolean(),
  error: z.string().nullable(),
});
export type DatasetCase = z.infer<typeof datasetCaseSchema>;

export const datasetScoreSchema = z.object({
  emptyRule: emptyRuleSchema,
  cases: z.array(datasetCaseSchema),
  /** Files present on one side only: reported, never silently dropped. */
  unpairedTruth: z.array(z.string()),
  unpairedPred: z.array(z.string()),
  summary: z.object({
    caseCount: z.number().int(),
    scoredCaseCount: z.number().int(),
    mean: z.number().nullable(),
    median: z.number().nullable(),
    min: z.number().nullable(),
    max: z.number().nullable(),
  }),
});
export type DatasetScore = z.infer<typeof datasetScoreSchema>;



const pairMatrixSchema = z.array(z.array(z.number().nullable()));
export const agreementSchema = z.object({
  /** The segmentations compared (at their head versions); rows and columns of every matrix follow this order. */
  segmentations: z.array(z.object({ maskSetId: maskSetIdSchema, name: z.string(), version: versionNumberSchema, role: roleSchema, author: z.string() })),
  /** Per label (segments matched by label, case and spacing ignored): each one's voxels and the pairwise scores; null where neither marked it. */
  labels: z.array(z.object({ label: z.string(), voxelCounts: z.array(z.number().int().min(0)), iou: pairMatrixSchema, dice: pairMatrixSchema })),
  /** Mean over the labels either of the pair marked; 1 where neither marked anything. */
  meanIou: z.array(z.array(z.number())),
  meanDice: z.array(z.array(z.number())),
  consensus: maskSetInfoSchema.nullable(),
  /** With STAPLE: per label, each segmentation's estimated sensitivity and specificity (same order). */
  raterEstimates: z.array(z.object({ label: z.string(), sensitivity: z.array(z.number()), specificity: z.array(z.number()) })).nullable(),
});
export type Agreement = z.infer<typeof agreementSchema>;

/** What masks.scoreDataset scores (and scores.export of a dataset). */
export const datasetArgsSchema = z.object({ truthDir: pathSchema, predDir: pathSchema, emptyRule: emptyRuleSchema.default('one') }).strict();

/** What masks.score scores (and scores.export of a pair). */
export const maskScoreArgsSchema = z
  .object({
    truthId: maskSetIdSchema,
    predId: maskSetIdSchema,
    emptyRule: emptyRuleSchema.default('one'),
    /** Versions to score (the heads when omitted). */
    truthVersion: versionNumberSchema.optional(),
    predVersion: versionNumberSchema.optional(),
  })
  .strict();

export const maskCalls = {
  /** Reads mask files (DICOM SEG, NIfTI, PNG) for a series; each file is either opened or reported with its reason. */
  /**
   * Imports mask files (DICOM SEG, NIfTI, PNG) for a series into the annotation store (provenance: the
   * file, the role and author given; role `annotator` by default). A file opened again with the same
   * content answers its earlier segmentation. Each file is either opened or reported with its reason.
   */
  'masks.open': defineCall(
    z
      .object({
        paths: z.array(pathSchema).min(1).max(256),
        seriesInstanceUid: seriesKeySchema.optional(),
        role: roleSchema.default('annotator'),
        /** The service's user name when omitted. */
        author: authorSchema.optional(),
      })
      .strict(),
    z.object({ opened: z.array(maskSetInfoSchema), errors: z.array(maskOpenErrorSchema) }),
  ),
  /** The stored segmentations of a series (latest versions, provenance, version counts), oldest first. */
  'masks.list': defineCall(
    z.object({ seriesKey: seriesKeySchema }).strict(),
    z.object({ maskSets: z.array(maskSetInfoSchema) }),
  ),
  /** Every version of a segmentation, oldest first. */
  'masks.versions': defineCall(z.object({ maskSetId: maskSetIdSchema }).strict(), z.object({ versions: z.array(maskVersionSchema) })),
  /** An older version, read-only: its info (labels of that version); masks.data with `version` gives its voxels. */
  'masks.openVersion': defineCall(z.object({ maskSetId: maskSetIdSchema, version: versionNumberSchema }).strict(), maskSetInfoSchema),
  /**
   * Restores an older version as a new head version (nothing is overwritten). `expectedHead` is the head
   * the user saw; when another window or process saved since, the answer is a `bad_input` error that says so.
   */
  'masks.restore': defineCall(
    z.object({ maskSetId: maskSetIdSchema, version: versionNumberSchema, expectedHead: versionNumberSchema, author: authorSchema.optional() }).strict(),
    maskSetInfoSchema,
  ),
  'masks.rename': defineCall(z.object({ maskSetId: maskSetIdSchema, name: z.string().trim().min(1).max(256), author: authorSchema.optional() }).strict(), maskSetInfoSchema),
  /** Soft delete: hidden from lists; every version stays in the store and the audit log. */
  'masks.delete': defineCall(z.object({ maskSetId: maskSetIdSchema, author: authorSchema.optional() }).strict(), z.object({ deleted: z.literal(true) })),
  /** Marks it the ground truth of its series for its labels (one per series and label set), an audited action. */
  'masks.markGroundTruth': defineCall(z.object({ maskSetId: maskSetIdSchema, author: authorSchema.optional() }).strict(), maskSetInfoSchema),
  /** A new, empty segmentation of a series to draw on (provenance: drawn here by the author). */
  'masks.create': defineCall(
    z
      .object({
        seriesKey: seriesKeySchema,
        name: z.string().trim().min(1).max(256),
        shape: shapeSchema,
        spacingMm: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
        segments: z.array(segmentSchema).min(1).max(256),
        role: roleSchema.default('annotator'),
        author: authorSchema.optional(),
      })
      .strict(),
    maskSetInfoSchema,
  ),
  /**
   * Saves slice edits as a new version on top of `expectedHead`: each edit is one (segment, z) slice,
   * bit-packed (8 voxels a byte, first voxel in the lowest bit, x fastest then y), or null for an empty
   * slice. When another window or process saved since, the answer is a `bad_input` error saying so and
   * nothing is written. `segments`, when given, replaces the segment list.
   */
  'masks.saveSlices': defineCall(
    z
      .object({
        maskSetId: maskSetIdSchema,
        expectedHead: versionNumberSchema,
        edits: z
          .array(z.object({ segment: z.number().int().min(1).max(65535), z: z.number().int().min(0), bits: typedArraySchema('Uint8Array').nullable() }).strict())
          .max(100_000),
        segments: z.array(segmentSchema).min(1).max(256).optional(),
        note: z.string().max(1024).optional(),
        author: authorSchema.optional(),
      })
      .strict(),
    maskSetInfoSchema,
  ),
  /**
   * The label volume's bytes for slices [zStart, zStart + zCount), for drawing overlays. A request above
   * MAX_MASK_DATA_BYTES is refused (naming the limit) rather than stalling the socket: ask for fewer slices.
   * With `segment`, that segment's own 0/1 mask (uint8) instead: segments that overlap share voxels the
   * one label map can give only one of them, so an editor reloads such segments whole this way.
   */
  'masks.data': defineCall(
    z
      .object({
        maskSetId: maskSetIdSchema,
        /** An older version's voxels (read-only); the head when omitted. */
        version: versionNumberSchema.optional(),
        zStart: z.number().int().min(0).default(0),
        zCount: z.number().int().min(1).optional(),
        /** One segment's own mask (0/1) instead of the label map. */
        segment: z.number().int().min(1).max(65535).optional(),
      })
      .strict(),
    maskDataSchema,
  ),
  /**
   * Writes chosen segments of a segmentation's head version to a file the user chose (a granted
   * path: a dialog pick, a typed path, the CLI argument): a binary DICOM SEG over its series'
   * images, or a .nii.gz label map on the series' grid (overlapping segments are refused there).
   * The export is recorded in the store's audit log.
   */
  'masks.export': defineCall(
    z
      .object({
        maskSetId: maskSetIdSchema,
        format: z.enum(['seg', 'nifti']),
        outPath: pathSchema,
        /** Segment numbers to write; every segment when omitted. */
        segments: z.array(z.number().int().min(1).max(65535)).min(1).max(256).optional(),
        author: authorSchema.optional(),
      })
      .strict(),
    z.object({
      /** The file written (its real path). */
      path: z.string(),
      format: z.enum(['seg', 'nifti']),
      bytes: z.number().int().min(0),
      version: versionNumberSchema,
      /** The segment numbers written and, for a SEG, the SegmentNumber each has in the file (1, 2, … in order). */
      segments: z.array(z.object({ number: z.number().int(), fileNumber: z.number().int(), voxelCount: z.number().int().min(0) })),
      /** DICOM SEG only: its new SOP Instance and Series UIDs and its frame count. */
      sopInstanceUid: z.string().nullable(),
      seriesInstanceUid: z.string().nullable(),
      frameCount: z.number().int().nullable(),
    }),
  ),
  /** Scores a prediction against a truth mask set of the same shape. */
  'masks.score': defineCall(maskScoreArgsSchema, maskScoreSchema),
  /** Scores every paired case of two folders in one call (small datasets, scripts, tests). */
  'masks.scoreDataset': defineCall(datasetArgsSchema, datasetScoreSchema),
  /**
   * The same as a job (kind `datasetScore`), for large datasets: progress comes as jobs.progress events
   * (done = pairs scored of all pairs found), the result from jobs.status, cancel with jobs.cancel.
   */
  'masks.startDatasetScore': defineCall(datasetArgsSchema, z.object({ jobId: jobIdSchema })),
  /**
   * Agreement between segmentations of one series (all of the series' segmentations except earlier consensus
   * ones when `maskSetIds` is omitted): segments matched by label, pairwise IoU/Dice per label and their means,
   * and (unless `consensus` is false) their consensus (majority vote or STAPLE) saved as a new segmentation whose provenance
   * lists its inputs at their versions. Asking again with unchanged inputs answers the same consensus.
   */
  'masks.agree': defineCall(
    z
      .object({
        seriesKey: seriesKeySchema,
        maskSetIds: z.array(maskSetIdSchema).min(2).max(16).optional(),
        consensus: z.boolean().default(true),
        /** How the consensus is formed: a voxel marked by more than half of them, or STAPLE (Warfield 2004). */
        method: z.enum(['majority-vote', 'staple']).default('majority-vote'),
        author: authorSchema.optional(),
      })
      .strict(),
    agreementSchema,
  ),
} as const;
