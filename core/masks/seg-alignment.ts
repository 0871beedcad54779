import type { LabelArray, LabelVolume } from '../metrics/types';
import { sameOrientation, sliceNormal } from '../geometry/image-plane';
import { add, dot, scale, sub, type Vec3 } from '../geometry/vec3';
import type { MaskSet } from './read-mask';

/**
 * Puts two DICOM SEGs of the same series on one slice grid. A SEG usually stores only the slices
 * where a segment is drawn, so an expert's SEG and a model's SEG of one CT can hold different slice
 * sets (or as many slices, but different ones). Comparing them index by index would pair the wrong
 * slices; instead both are placed on the union of their slice positions, with empty slices where a
 * SEG has none. Nothing is resampled: in-plane grids and orientations must match exactly.
 */

const toleranceMm = 0.01;

function planeGeometry(mask: MaskSet): { positions: Vec3[]; orientation: readonly number[] } | null {
  const positions = mask.slicePositionsMm;
  if (!positions || !mask.orientation || positions.some((p) => p === null)) return null;
  return { positions: positions as Vec3[], orientation: mask.orientation };
}

/** Both SEGs on a shared slice grid, or the inputs unchanged when they cannot be (or need not be) aligned. */
export function alignSegSlices(truth: MaskSet, pred: MaskSet): [MaskSet, MaskSet] {
  const truthGeometry = planeGeometry(truth);
  const predGeometry = planeGeometry(pred);
  if (!truthGeometry || !predGeometry) return [truth, pred];
  const [tw, th] = truth.volume.shape;
  const [pw, ph] = pred.volume.shape;
  if (tw !== pw || th !== ph) return [truth, pred]; // the shape check reports it
  if (!sameOrientation(truthGeometry.orientation, predGeometry.orientation)) {
    throw new Error(`SEGs lie on differently oriented planes: truth ${truth.source} (${truthGeometry.orientation.join(', ')}) and prediction ${pred.source} (${predGeometry.orientation.join(', ')})`);
  }
  const normal = sliceNormal(truthGeometry.orientation);
  if (!normal) throw new Error(`SEG ${truth.source} has an unusable ImageOrientationPatient (${truthGeometry.orientation.join(', ')})`);
  const inPlaneOrigin = (p: Vec3): Vec3 => sub(p, scale(normal, dot(p, normal)));
  const truthOrigin = inPlaneOrigin(truthGeometry.positions[0]);
  for (const p of [...truthGeometry.positions, ...predGeometry.positions]) {
    const origin = inPlaneOrigin(p);
    if (origin.some((v, i) => Math.abs(v - truthOrigin[i]) > toleranceMm)) {
      throw new Error(`SEGs have different in-plane origins (${truthOrigin.join(', ')} vs ${origin.join(', ')}): truth ${truth.source}, prediction ${pred.source}`);
    }
  }

  const truthDepths = truthGeometry.positions.map((p) => dot(p, normal));
  const predDepths = predGeometry.positions.map((p) => dot(p, normal));
  const unionDepths: number[] = [];
  for (const d of [...truthDepths, ...predDepths].sort((a, b) => a - b)) {
    if (!unionDepths.length || d - unionDepths[unionDepths.length - 1] > toleranceMm) unionDepths.push(d);
  }
  const slotOf = (d: number): number => unionDepths.findIndex((u) => Math.abs(u - d) <= toleranceMm);
  const truthSlots = truthDepths.map(slotOf);
  const predSlots = predDepths.map(slotOf);
  const identity = (slots: number[]) => slots.length === unionDepths.length && slots.every((s, i) => s === i);
  if (identity(truthSlots) && identity(predSlots)) return [truth, pred];

  const unionPositions = unionDepths.map((d): Vec3 => add(truthOrigin, scale(normal, d)));
  return [placeOnSlices(truth, truthSlots, unionDepths.length, unionPositions), placeOnSlices(pred, predSlots, unionDepths.length, unionPositions)];
}

function placeVolume(volume: LabelVolume, slots: number[], depth: number): LabelVolume {
  const [w, h] = volume.shape;
  const sliceSize = w * h;
  const data = new (volume.data.constructor as new (length: number) => LabelArray)(sliceSize * depth);
  slots.forEach((slot, z) => data.set(volume.data.subarray(z * sliceSize, (z + 1) * sliceSize), slot * sliceSize));
  return { ...volume, data, shape: [w, h, depth] };
}

function placeOnSlices(mask: MaskSet, slots: number[], depth: number, positions: Vec3[]): MaskSet {
  const segments = mask.segments && new Map([...mask.segments].map(([n, s]) => [n, { ...s, volume: placeVolume(s.volume, slots, depth) }]));
  return { ...mask, volume: placeVolume(mask.volume, slots, depth), segments, slicePositionsMm: positions };
}
