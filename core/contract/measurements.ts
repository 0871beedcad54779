// Calls for measurements drawn on a series (length, angle, ellipse and rectangle ROIs), kept in the annotation store.
import { z } from 'zod';
import { measurementGeometrySchema, measurementIdSchema, measurementImageSchema } from '../annotations/measurement';
import { defineCall } from './define';
import { seriesKeySchema } from './primitives';

export { measurementIdSchema };

const authorSchema = z.string().min(1).max(256);

export const measurementSchema = z.object({
  id: measurementIdSchema,
  seriesKey: seriesKeySchema,
  /** In patient (LPS) mm. */
  geometry: measurementGeometrySchema,
  /** The image it was drawn on. */
  image: measurementImageSchema,
  label: z.string(),
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Measurement = z.infer<typeof measurementSchema>;

export const measurementCalls = {
  /** The live measurements of a series, oldest first. */
  'measurements.list': defineCall(z.object({ seriesKey: seriesKeySchema }).strict(), z.object({ measurements: z.array(measurementSchema) })),
  /** Creates a measurement, or (with an id) updates its geometry and label (or restores a deleted one); answers once it is committed. */
  'measurements.save': defineCall(
    z
      .object({
        id: measurementIdSchema.optional(),
        seriesKey: seriesKeySchema,
        geometry: measurementGeometrySchema,
        image: measurementImageSchema,
        label: z.string().max(256).optional(),
        /** Brings a deleted measurement (this id) back: undo of its deletion, redo of its creation. */
        restore: z.boolean().optional(),
        /** Who drew it; the service's user name when omitted. */
        author: authorSchema.optional(),
      })
      .strict(),
    measurementSchema,
  ),
  /** Soft delete: hidden from lists, kept in the store and the audit log. */
  'measurements.delete': defineCall(z.object({ id: measurementIdSchema, author: authorSchema.optional() }).strict(), z.object({ deleted: z.literal(true) })),
} as const;
