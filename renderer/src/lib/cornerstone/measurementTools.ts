// The measurement kinds drawn with cornerstone's annotation tools: which tool draws which kind, how a tool's
// handles map to our stored geometry (core/annotations/measurement) and back, and ROI text from our own stats.
import { cache, metaData, type Types } from '@cornerstonejs/core';
import { AngleTool, EllipticalROITool, LengthTool, RectangleROITool, type Types as ToolTypes } from '@cornerstonejs/tools';
import { measurementGeometrySchema, type MeasurementGeometry, type MeasurementKind } from '../../../../core/annotations/measurement';
import { roiStats, type RoiGeometry, type RoiStats } from '../../../../core/annotations/roi-stats';
import { stackVolumeGeometry } from '../../../../core/geometry/stack-geometry';
import { toVec3 } from '../../../../core/geometry/vec3';
import { modalityValue, type ProbeImage } from '../probe';

/** Our kind → the cornerstone tool that draws it. Handle order is the same as our geometry's points. */
export const measurementToolOf = {
  length: LengthTool,
  angle: AngleTool,
  ellipse: EllipticalROITool,
  rectangle: RectangleROITool,
} as const satisfies Record<MeasurementKind, unknown>;

export const measurementKinds = Object.keys(measurementToolOf) as MeasurementKind[];

/** The kind a cornerstone tool name draws, or null for a tool that is not a measurement. */
export function kindOfTool(toolName: string | undefined): MeasurementKind | null {
  return measurementKinds.find((kind) => measurementToolOf[kind].toolName === toolName) ?? null;
}

/**
 * Our geometry from a tool's handles (patient mm), or null while it is incomplete (an angle with two of
 * its three points). cornerstone's handle orders already match ours: an ellipse's [bottom, top, left, right]
 * are the ends of its two axes; a rectangle's corner 0 has neighbours 1 and 2 and 3 is opposite.
 */
export function geometryOfHandles(kind: MeasurementKind, points: readonly Types.Point3[] | undefined): MeasurementGeometry | null {
  if (!points) return null;
  const parsed = measurementGeometrySchema.safeParse({ kind, pointsMm: points.map((p) => [p[0], p[1], p[2]]) });
  return parsed.success ? parsed.data : null;
}

const emptyTextBox = () => ({
  hasMoved: false,
  worldPosition: [0, 0, 0] as Types.Point3,
  worldBoundingBox: { topLeft: [0, 0, 0] as Types.Point3, topRight: [0, 0, 0] as Types.Point3, bottomLeft: [0, 0, 0] as Types.Point3, bottomRight: [0, 0, 0] as Types.Point3 },
});

/** A stored measurement as the annotation its tool draws and edits (its UID is the measurement id). */
export function annotationOf(
  geometry: MeasurementGeometry,
  annotationUID: string,
  imageId: string,
  reference: Record<string, unknown>,
): ToolTypes.Annotation {
  return {
    annotationUID,
    highlighted: false,
    invalidated: true,
    isLocked: false,
    isVisible: true,
    metadata: { ...reference, toolName: measurementToolOf[geometry.kind].toolName, referencedImageId: imageId } as ToolTypes.Annotation['metadata'],
    data: {
      handles: { points: geometry.pointsMm.map((p) => [...p] as Types.Point3), activeHandleIndex: null, textBox: emptyTextBox() },
      label: '',
      cachedStats: {},
    },
  };
}

interface ImagePlaneModule {
  imageOrientationPatient?: ArrayLike<number>;
  imagePositionPatient?: ArrayLike<number>;
  rowPixelSpacing?: number | null;
  columnPixelSpacing?: number | null;
}

/** ROI statistics on a loaded image (its modality values: HU for CT), or why there are none. */
export function roiStatsOnImage(imageId: string, roi: RoiGeometry): { ok: true; stats: RoiStats; unit: string } | { ok: false; reason: string } {
  const image = cache.getImage(imageId);
  if (!image) return { ok: false, reason: 'the image is not loaded' };
  const plane = metaData.get('imagePlaneModule', imageId) as ImagePlaneModule | undefined;
  const position = plane?.imagePositionPatient ? toVec3(Array.from(plane.imagePositionPatient)) : null;
  const placed = stackVolumeGeometry({
    orientation: plane?.imageOrientationPatient ? Array.from(plane.imageOrientationPatient) : null,
    firstPositionMm: position,
    lastPositionMm: position,
    sliceCount: 1,
    pixelSpacingMm: plane?.rowPixelSpacing && plane.columnPixelSpacing ? [plane.rowPixelSpacing, plane.columnPixelSpacing] : null,
  });
  if (!placed.ok) return { ok: false, reason: `the image has no plane in patient space (${placed.reason})` };
  const probeImage: ProbeImage = {
    columns: image.columns,
    rows: image.rows,
    modality: modalityOf(imageId),
    pixels: image.getPixelData(),
    prescaled: image.preScale?.scaled === true,
    rescaleSlope: image.slope ?? 1,
    rescaleIntercept: image.intercept ?? 0,
  };
  const result = roiStats({ columns: image.columns, rows: image.rows, valueAt: (index) => modalityValue(probeImage, index), geometry: placed.geometry }, roi);
  return result.ok ? { ...result, unit: probeImage.modality === 'CT' ? 'HU' : '' } : result;
}

function modalityOf(imageId: string): string {
  return (metaData.get('generalSeriesModule', imageId) as { modality?: string } | undefined)?.modality ?? '';
}

/** A statistic as the ROI text and the measurement list show it: whole numbers as they are, others to one decimal. */
export const formatStat = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/**
 * cornerstone's target id for a stack image ('imageId:<imageId>') → the image id. The ellipse tool passes one
 * target id, the rectangle tool a list of them (the first is the image drawn on).
 */
function imageIdOfTarget(target: string | readonly string[] | undefined): string | null {
  const targetId = typeof target === 'string' ? target : target?.[0];
  if (!targetId) return null;
  return targetId.startsWith('imageId:') ? targetId.slice('imageId:'.length) : targetId;
}

/**
 * The text an ellipse or rectangle annotation shows (cornerstone's getTextLines hook): area and the
 * statistics from roiStats, so the viewport, the measurement list and a report show the same numbers.
 */
export function roiTextLines(kind: RoiGeometry['kind']): (data: { handles?: { points?: Types.Point3[] } }, target: string | readonly string[]) => string[] {
  return (data, target) => {
    const geometry = geometryOfHandles(kind, data.handles?.points);
    const imageId = imageIdOfTarget(target);
    if (!geometry || !imageId || (geometry.kind !== 'ellipse' && geometry.kind !== 'rectangle')) return [];
    const result = roiStatsOnImage(imageId, geometry);
    if (!result.ok) return [result.reason];
    const { stats, unit } = result;
    const u = unit ? ` ${unit}` : '';
    return [`Area ${stats.areaMm2.toFixed(1)} mm²`, `Mean ${formatStat(stats.mean)}${u} · SD ${formatStat(stats.stdDev)}`, `Min ${formatStat(stats.min)} · Max ${formatStat(stats.max)}${u}`];
  };
}
