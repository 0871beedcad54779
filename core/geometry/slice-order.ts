import { distanceAlongNormalMm, sliceNormal } from './image-plane';
import { dot, toVec3, type Vec3 } from './vec3';

/**
 * The one order of a series' images and frames, used by the viewer, the mask readers and every
 * writer. The fallback chain, first that applies wins:
 *
 * 1. `position`: distance along the slice normal (ImagePositionPatient · normal), ascending, when every
 *    image has a position and a usable orientation and all their normals agree (one stack of
 *    parallel planes; a localizer series with axial, sagittal and coronal images is not one).
 * 2. `sliceLocation`: SliceLocation ascending, when every image has one.
 * 3. `instanceNumber`: InstanceNumber ascending; images without one come after those with one.
 * 4. Ties (and the images step 3 leaves over) by SOP Instance UID, then by path, so the order
 *    never depends on the order files were read in. When no step applies this is the whole order
 *    (`identity`).
 *
 * Multi-frame instances then expand to their frames 1..N in frame order.
 */

/** What the order needs to know of an image; core/contract's Instance and a catalog row both fit. */
export interface SliceOrderImage {
  sopInstanceUid: string;
  path: string;
  fileKey: string;
  instanceNumber: number | null;
  imagePositionPatient: readonly number[] | null;
  imageOrientationPatient: readonly number[] | null;
  sliceLocation: number | null;
  numberOfFrames: number;
}

/** One displayed frame of a series: index z of the canonical list. */
export interface FrameRef {
  sopInstanceUid: string;
  /** 1-based frame number inside a multi-frame instance; null for a single-frame instance. */
  frame: number | null;
  /** Opaque key under which the host serves the file's bytes. */
  fileKey: string;
}

export type SliceOrderMethod = 'position' | 'sliceLocation' | 'instanceNumber' | 'identity';

export interface SliceOrder<T> {
  images: T[];
  method: SliceOrderMethod;
  /** The shared unit slice normal the images were ordered along (method `position` only). */
  normal: Vec3 | null;
}

/** Normals of one stack point the same way to within this cosine (about 2.6°). */
const PARALLEL_COSINE = 0.999;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareIdentity = (a: SliceOrderImage, b: SliceOrderImage): number =>
  compareText(a.sopInstanceUid, b.sopInstanceUid) || compareText(a.path, b.path);

/** The normal every image shares, or null when one lacks a usable orientation or they are not parallel. */
function sharedNormal(images: readonly SliceOrderImage[]): Vec3 | null {
  if (images.length === 0) return null;
  // The reference comes from the identity order, so it does not depend on read order either.
  const reference = [...images].sort(compareIdentity)[0];
  const normal = sliceNormal(reference.imageOrientationPatient);
  if (!normal) return null;
  for (const image of images) {
    const own = sliceNormal(image.imageOrientationPatient);
    if (!own || dot(own, normal) < PARALLEL_COSINE) return null;
  }
  return normal;
}

function sortBy<T extends SliceOrderImage>(images: readonly T[], key: (image: T) => number | null): T[] {
  const keyed = images.map((image) => ({ image, key: key(image) }));
  keyed.sort((a, b) => {
    if (a.key !== null && b.key !== null && a.key !== b.key) return a.key - b.key;
    if (a.key === null && b.key !== null) return 1;
    if (a.key !== null && b.key === null) return -1;
    return compareIdentity(a.image, b.image);
  });
  return keyed.map((k) => k.image);
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** A series' images in canonical order, with the step of the chain that ordered them. */
export function orderImages<T extends SliceOrderImage>(images: readonly T[]): SliceOrder<T> {
  const normal = sharedNormal(images);
  const positions = images.map((image) => toVec3(image.imagePositionPatient));
  if (normal && positions.every((p) => p !== null)) {
    const along = new Map(images.map((image, k) => [image, distanceAlongNormalMm(positions[k]!, normal)]));
    return { images: sortBy(images, (image) => along.get(image)!), method: 'position', normal };
  }
  if (images.length > 0 && images.every((image) => finite(image.sliceLocation))) {
    return { images: sortBy(images, (image) => image.sliceLocation), method: 'sliceLocation', normal: null };
  }
  if (images.some((image) => finite(image.instanceNumber))) {
    return { images: sortBy(images, (image) => (finite(image.instanceNumber) ? image.instanceNumber : null)), method: 'instanceNumber', normal: null };
  }
  return { images: [...images].sort(compareIdentity), method: 'identity', normal: null };
}

/** Ordered images expanded to one entry per frame (frames 1..N of a multi-frame instance, in frame order). */
export function expandFrames(orderedImages: readonly SliceOrderImage[]): FrameRef[] {
  const frames: FrameRef[] = [];
  for (const image of orderedImages) {
    const { sopInstanceUid, fileKey } = image;
    if (image.numberOfFrames <= 1) {
      frames.push({ sopInstanceUid, frame: null, fileKey });
      continue;
    }
    for (let frame = 1; frame <= image.numberOfFrames; frame++) frames.push({ sopInstanceUid, frame, fileKey });
  }
  return frames;
}

/** The canonical frame list of a series: z = 0.. → instance and frame. */
export const canonicalFrames = (images: readonly SliceOrderImage[]): FrameRef[] => expandFrames(orderImages(images).images);

export type ResolvedFrames<T> = { ok: true; images: T[] } | { ok: false; reason: string };

/**
 * The image behind each entry of a frame list (one per frame, so a multi-frame instance repeats),
 * matched by file key; a frame whose image is not among `images` is a reason naming it.
 */
export function imagesOfFrames<T extends Pick<SliceOrderImage, 'fileKey'>>(frames: readonly FrameRef[], images: readonly T[]): ResolvedFrames<T> {
  const byFileKey = new Map(images.map((image) => [image.fileKey, image]));
  const resolved: T[] = [];
  for (const [z, ref] of frames.entries()) {
    const image = byFileKey.get(ref.fileKey);
    if (!image) return { ok: false, reason: `frame ${z} (SOP instance ${ref.sopInstanceUid}) names file key ${ref.fileKey}, which none of the images has` };
    resolved.push(image);
  }
  return { ok: true, images: resolved };
}
