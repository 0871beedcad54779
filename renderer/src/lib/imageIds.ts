import type { Instance, Series } from '../../../core/contract/dicom';

/** Position of an instance along the stack normal (mm), or null when the geometry is missing. */
export function slicePositionMm(instance: Instance): number | null {
  const iop = instance.imageOrientationPatient;
  const ipp = instance.imagePositionPatient;
  if (!iop || !ipp) return instance.sliceLocation;
  const normal = crossProduct([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
  return normal[0] * ipp[0] + normal[1] * ipp[1] + normal[2] * ipp[2];
}

export function crossProduct(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Orders instances as a radiologist scrolls them: by position along the normal, then instance number. */
export function sortInstances(instances: readonly Instance[]): Instance[] {
  return [...instances].sort((a, b) => {
    const pa = slicePositionMm(a);
    const pb = slicePositionMm(b);
    if (pa !== null && pb !== null && pa !== pb) return pa - pb;
    return (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0);
  });
}

/** One entry per displayed frame: the imageId cornerstone loads and the instance it came from. */
export interface StackFrame {
  imageId: string;
  instance: Instance;
  /** 1-based frame number inside a multi-frame instance; null for single-frame instances. */
  frame: number | null;
}

/** The wadouri imageIds of a series, one per frame, served by our own origin at /dicom/<fileKey>. */
export function stackFramesForSeries(series: Series, origin: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const instance of sortInstances(series.instances)) {
    const url = `wadouri:${origin}/dicom/${encodeURIComponent(instance.fileKey)}`;
    if (instance.numberOfFrames <= 1) {
      frames.push({ imageId: url, instance, frame: null });
      continue;
    }
    for (let frame = 1; frame <= instance.numberOfFrames; frame++) {
      frames.push({ imageId: `${url}?frame=${frame}`, instance, frame });
    }
  }
  return frames;
}

export const middleIndex = (count: number): number => Math.max(0, Math.floor((count - 1) / 2));
