// Measurements drawn on a series (length, angle, ellipse and rectangle ROIs), in patient mm (pure, no Node imports).
import { z } from 'zod';
import { cross, distance, dot, norm, scale, sub } from '../geometry/vec3';

const pointMmSchema = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/** Geometry per kind, in patient (LPS) mm. A new kind adds one member here; stored rows of older kinds stay valid. */
export const measurementGeometrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('length'), pointsMm: z.tuple([pointMmSchema, pointMmSchema]) }),
  /** The angle at the middle point (the vertex) between the rays to the other two. */
  z.object({ kind: z.literal('angle'), pointsMm: z.tuple([pointMmSchema, pointMmSchema, pointMmSchema]) }),
  /** The two ends of one axis, then the two ends of the other (the axes cross at the centre). */
  z.object({ kind: z.literal('ellipse'), pointsMm: z.tuple([pointMmSchema, pointMmSchema, pointMmSchema, pointMmSchema]) }),
  /** Corners: a first one, its two neighbours (along each side), then the opposite corner. */
  z.object({ kind: z.literal('rectangle'), pointsMm: z.tuple([pointMmSchema, pointMmSchema, pointMmSchema, pointMmSchema]) }),
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
  return distance(a, b);
}

/** The angle in degrees (0…180) at the vertex of an angle measurement; null when a ray has no length. */
export function angleDegrees(geometry: Extract<MeasurementGeometry, { kind: 'angle' }>): number | null {
  const [a, vertex, b] = geometry.pointsMm;
  const u = sub(a, vertex);
  const v = sub(b, vertex);
  const lengths = norm(u) * norm(v);
  if (lengths === 0) return null;
  // atan2 of |u × v| and u · v stays exact near 0° and 180°, where acos of the cosine loses digits.
  return (Math.atan2(norm(cross(u, v)), dot(u, v)) * 180) / Math.PI;
}

/** The area in mm² an ellipse or rectangle measurement encloses (its own shape, not the pixels counted). */
export function areaMm2(geometry: Extract<MeasurementGeometry, { kind: 'ellipse' | 'rectangle' }>): number {
  const [p0, p1, p2, p3] = geometry.pointsMm;
  if (geometry.kind === 'ellipse') return Math.PI * norm(cross(scale(sub(p1, p0), 0.5), scale(sub(p3, p2), 0.5)));
  return norm(cross(sub(p1, p0), sub(p2, p0)));
}
