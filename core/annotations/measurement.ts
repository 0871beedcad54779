// Measurements drawn on a series (length today; angles, ROIs later), in patient mm (pure, no Node imports).
import { z } from 'zod';

const pointMmSchema = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/** Geometry per kind, in patient (LPS) mm. A new kind adds one member here; stored rows of older kinds stay valid. */
export const measurementGeometrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('length'), pointsMm: z.tuple([pointMmSchema, pointMmSchema]) }),
]);
export type MeasurementGeometry = z.infer<typeof measurementGeometrySchema>;
export type MeasurementKind = MeasurementGeometry['kind'];

/** The image a measurement was drawn on: its SOP instance and frame, and its slice index in the series where known. */
export const measurementImageSchema = z.object({
  sopInstanceUid: z.string().regex(/^[0-9]+(?:\.[0-9]+)*$/).max(64).nullable(),
  frame: z.number().int().min(1).default(1),
  sliceIndex: z.number().int().min(0).nullable(),
});
export type MeasurementImage = z.infer<typeof measurementImageSchema>;

export const measurementIdSchema = z.string().regex(/^meas-[0-9a-f]{16}$/, 'is not a measurement id');

/** Length in mm of a length measurement (the distance between its two points). */
export function lengthMm(geometry: Extract<MeasurementGeometry, { kind: 'length' }>): number {
  const [a, b] = geometry.pointsMm;
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
