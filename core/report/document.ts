// The rows the PDF template prints, from what the store and catalog hold (pure: formatting and the one volume formula).
import { angleDegrees, areaMm2, lengthMm, type MeasurementGeometry, type MeasurementImage } from '../annotations/measurement';
import type { Segment, Shape } from '../annotations/model';
import { voxelVolumeMl } from '../metrics/volume';
import type { KeyImageView } from './model';
import type { ReportDocument } from './pdf';

/** A measurement's value in words: length in mm, angle in degrees, enclosed area in mm². */
export function measurementValue(geometry: MeasurementGeometry): string {
  switch (geometry.kind) {
    case 'length':
      return `${lengthMm(geometry).toFixed(1)} mm`;
    case 'angle': {
      const degrees = angleDegrees(geometry);
      return degrees === null ? '— (a ray has no length)' : `${degrees.toFixed(1)}°`;
    }
    case 'ellipse':
    case 'rectangle':
      return `${areaMm2(geometry).toFixed(1)} mm²`;
  }
}

export function measurementRow(m: { label: string; geometry: MeasurementGeometry; image: MeasurementImage }): ReportDocument['measurements'][number] {
  const where = m.image.sopInstanceUid ? `${m.image.sopInstanceUid} frame ${m.image.frame}` : m.image.sliceIndex !== null ? `slice ${m.image.sliceIndex + 1}` : '—';
  return { label: m.label, kind: m.geometry.kind, value: measurementValue(m.geometry), image: where };
}

/**
 * One row per cited segment: volume in ml from its voxel count and voxel size; area in mm² where the
 * segmentation is one slice thick (a 2-D image, where a volume means little).
 */
export function segmentRows(
  name: string,
  version: { segments: readonly Segment[]; voxelCounts: Record<number, number>; shape: Shape },
  spacingMm: readonly [number, number, number],
  only: readonly number[] | null,
): ReportDocument['segments'][number][] {
  const wanted = only ? new Set(only) : null;
  return [...version.segments]
    .filter((s) => !wanted || wanted.has(s.number))
    .sort((a, b) => a.number - b.number)
    .map((s) => {
      const voxels = version.voxelCounts[s.number] ?? 0;
      return {
        segmentation: name,
        segment: `${s.number} ${s.label}`,
        volumeMl: voxels * voxelVolumeMl(spacingMm),
        areaMm2: version.shape[2] === 1 ? voxels * spacingMm[0] * spacingMm[1] : null,
        voxels,
      };
    });
}

const viewNames: Record<KeyImageView, string> = { stack: 'Stack', axial: 'Axial', sagittal: 'Sagittal', coronal: 'Coronal' };

/**
 * A key image's caption: the reader's words, then where it is from (the stack's image, or the volume
 * view and slice) and the window it is shown with.
 */
export function keyImageCaption(opts: {
  caption: string;
  series: string;
  sopInstanceUid: string;
  frame: number;
  window: { center: number; width: number } | null;
  view?: KeyImageView;
  slice?: { number: number; count: number } | null;
}): string {
  const wl = opts.window ? `W/L ${round(opts.window.width)}/${round(opts.window.center)}` : 'colour (no W/L)';
  const view = opts.view ?? 'stack';
  const slice = opts.slice ? ` slice ${opts.slice.number} of ${opts.slice.count}` : '';
  const where = view === 'stack' ? `${opts.series} ·${slice ? ` stack${slice} ·` : ''} image ${opts.sopInstanceUid} frame ${opts.frame}` : `${opts.series} · ${viewNames[view]} view (volume)${slice}`;
  return [opts.caption, where, wl].filter(Boolean).join(' · ');
}

const round = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
