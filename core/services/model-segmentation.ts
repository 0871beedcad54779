// A model's segmentation into the annotation store (issue 13 item 3): its content and provenance from the
// slices the assistant ran on, and an annotator's editable draft copied from it.
import { unpackBitsInto } from '../annotations/bits';
import { labelColor } from '../annotations/palette';
import { voxelsPerSlice, type ModelImage, type Origin, type Provenance, type SegmentationContent, type Shape } from '../annotations/model';
import type { ModelSlice } from '../contract/model-outputs';
import type { SegmentationRecord } from '../store/annotation-store';

export interface ModelRun {
  model: string;
  version: string;
  prompt: string;
  scope: 'slice' | 'series';
  complete: boolean;
  presenceThreshold: number | null;
  slices: readonly ModelSlice[];
}

type ModelOrigin = Extract<Origin, { kind: 'model' }>;
type DraftOrigin = Extract<Origin, { kind: 'draft' }>;

/** Why these slices cannot be stored on a grid of this shape (a slice outside it, twice, or of the wrong size), or null. */
export function modelSlicesProblem(shape: Shape, slices: readonly ModelSlice[]): string | null {
  const packedBytes = (voxelsPerSlice(shape) + 7) >> 3;
  const seen = new Set<number>();
  for (const slice of slices) {
    if (slice.z >= shape[2]) return `slice z ${slice.z} is outside the series' ${shape[2]} slices`;
    if (seen.has(slice.z)) return `slice z ${slice.z} is given twice`;
    seen.add(slice.z);
    if (slice.bits && slice.bits.length !== packedBytes) return `the mask of slice z ${slice.z} has ${slice.bits.length} packed bytes, a ${shape[0]}×${shape[1]} slice needs ${packedBytes}`;
  }
  return null;
}

/** The one segment ("lung", …) with the slices' masks placed at their z; slices without bits stay empty. */
export function modelSegmentationContent(shape: Shape, prompt: string, slices: readonly ModelSlice[]): { content: SegmentationContent; voxels: number } {
  const perSlice = voxelsPerSlice(shape);
  const mask = new Uint8Array(perSlice * shape[2]);
  for (const slice of slices) if (slice.bits) unpackBitsInto(slice.bits, perSlice, mask, slice.z * perSlice);
  let voxels = 0;
  for (let i = 0; i < mask.length; i++) voxels += mask[i];
  const [r, g, b] = labelColor(1);
  return { content: { shape, segments: [{ number: 1, label: prompt, color: [r, g, b] }], masks: new Map([[1, mask]]) }, voxels };
}

/** Provenance of a model segmentation: the model, the prompt, and per image what the model said (ascending z). */
export function modelProvenance(run: ModelRun, author: string): Provenance & { origin: ModelOrigin } {
  const images: ModelImage[] = [...run.slices]
    .sort((a, b) => a.z - b.z)
    .map((s) => ({ z: s.z, sopInstanceUid: s.sopInstanceUid, present: s.present, presenceProbability: s.presenceProbability, probabilityMean: s.probabilityMean }));
  return {
    role: 'model',
    author,
    origin: { kind: 'model', name: run.model, version: run.version, prompt: run.prompt, scope: run.scope, complete: run.complete, presenceThreshold: run.presenceThreshold, images },
  };
}

/** A model segmentation's name in lists: the prompt, the model, and which slice(s). */
export function modelSegmentationName(run: Pick<ModelRun, 'model' | 'prompt' | 'scope' | 'complete' | 'slices'>): string {
  const where = run.scope === 'slice' ? `slice ${(run.slices[0]?.z ?? 0) + 1}` : run.complete ? 'whole series' : `${run.slices.length} slices (stopped early)`;
  return `${run.prompt} · ${run.model} · ${where}`;
}

/** The draft's provenance: an annotator's, naming the model segmentation (id, version, name) and its model. */
export function draftProvenance(source: SegmentationRecord, author: string): Provenance & { origin: DraftOrigin } | string {
  const origin = source.provenance.origin;
  if (source.provenance.role !== 'model' || origin.kind !== 'model') {
    return `segmentation ${source.name} is not a model's output (it is ${source.provenance.role}'s); only a model segmentation is accepted as a draft`;
  }
  return {
    role: 'annotator',
    author,
    origin: { kind: 'draft', source: { id: source.id, version: source.head.number, name: source.name }, model: { name: origin.name, version: origin.version, prompt: origin.prompt } },
  };
}
