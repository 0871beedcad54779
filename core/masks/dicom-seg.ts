import dicomParser, { type DataSet } from 'dicom-parser';
import { InflateFailure, inflateRawCapped } from '../compress/inflate-capped';
import { isDicomUid } from '../contract/primitives';
import { decimalValues, integerValue } from '../dicom/numeric-strings';
import { parserWords } from '../dicom/parser-words';
import { DEFLATED_LE } from '../dicom/transfer-syntax';
import { readFileMeta } from '../dicom/file-meta';
import type { LabelVolume } from '../metrics/types';
import { buildSliceGrid, type FramePlacement, type Vec3 } from './dicom-seg-geometry';
import { MaskReadError } from './mask-error';
import { formatBytes } from '../fs/size-text';
import { DEFAULT_MAX_VOLUME_BYTES } from './nifti';
import type { Code } from '../annotations/model';
import { dicomLabToRgb } from './cielab';

const segStorageSopClass = '1.2.840.10008.5.1.4.1.1.66.4';
const labelMapSegStorageSopClass = '1.2.840.10008.5.1.4.1.1.66.7';

export type SegmentationType = 'BINARY' | 'FRACTIONAL' | 'LABELMAP';

export interface SegmentMask {
  /** The SegmentNumber, which is also this segment's value in the label map. */
  label: number;
  /** SegmentLabel (0062,0005). */
  name: string;
  /** RecommendedDisplayCIELabValue (0062,000D) as sRGB, when the SEG recommends one. */
  color?: [number, number, number];
  /** SegmentedPropertyCategoryCodeSequence / SegmentedPropertyTypeCodeSequence, when present. */
  category?: Code;
  type?: Code;
  voxelCount: number;
  /** 0/1 mask of this segment alone on the SEG's slice grid (built when read, so overlaps survive). */
  readonly volume: LabelVolume;
}

export interface DicomSegMask {
  source: string;
  segmentationType: SegmentationType;
  /**
   * value = SegmentNumber, 0 = background. Where segments overlap, the highest SegmentNumber wins
   * (a voxel holds one label); `segments` keeps every segment whole and `overlapVoxelCount` says how
   * many voxels belong to more than one segment.
   */
  labelMap: LabelVolume;
  segments: Map<number, SegmentMask>;
  overlapVoxelCount: number;
  /** FRACTIONAL only: a voxel belongs to the segment when its value ≥ this (MaximumFractionalValue / 2). */
  fractionalThreshold: number | null;
  referencedSeriesUid: string | null;
  referencedSopInstanceUids: string[];
  /** ImagePositionPatient of each z slice (null for frames without a position) and the orientation. */
  slicePositionsMm: (Vec3 | null)[];
  orientation: readonly number[] | null;
}

/** The frame's value of an attribute from its per-frame group, else the shared group, else the top level. */
type GroupLookup = (sequenceTag: string) => DataSet | null;

const firstItem = (ds: DataSet | null | undefined, tag: string): DataSet | null => ds?.elements[tag]?.items?.[0]?.dataSet ?? null;

/** A DS element's values read exactly; null when absent or when any value is not a decimal string. */
function numbers(ds: DataSet | null, tag: string): number[] | null {
  if (!ds?.elements[tag]) return null;
  const text = ds.string(tag) ?? '';
  return text === '' ? null : decimalValues(text);
}

export interface SegReadOptions {
  /** Most bytes the label map and the per-segment masks may take together (default: the per-volume cap). */
  maxVolumeBytes?: number;
}

function fail(source: string, reason: string): never {
  throw new MaskReadError(source, reason);
}

/**
 * Reads a DICOM Segmentation (BINARY, FRACTIONAL or LABELMAP) into a label map plus one mask per
 * segment. Throws MaskReadError, whatever the bytes: a parser or engine failure met on the way
 * (dicom-parser reads values lazily) is given in words.
 */
export function decodeDicomSeg(bytes: Uint8Array, source: string, options: SegReadOptions = {}): DicomSegMask {
  try {
    return decodeSeg(bytes, source, options.maxVolumeBytes ?? DEFAULT_MAX_VOLUME_BYTES);
  } catch (e) {
    if (e instanceof MaskReadError) throw e;
    throw new MaskReadError(source, `not a readable DICOM SEG (${parserWords(e)})`);
  }
}

/** Room for the elements around the pixel data of a deflated SEG beyond what its header declares. */
const DEFLATED_SLACK_BYTES = 1 << 20;
/** Most bytes a deflated SEG's header (everything before its pixel data) may inflate to. */
const MAX_INFLATED_HEADER_BYTES = 128 * 2 ** 20;

/**
 * Parses the SEG. A deflated data set is inflated twice, never beyond what it declares: first its
 * header (growing input, output capped), to learn Rows × Columns × NumberOfFrames × BitsAllocated;
 * then the whole data set with the output capped at that header plus the pixel bytes it declares.
 */
function parseSeg(bytes: Uint8Array, source: string, maxVolumeBytes: number): DataSet {
  // A Buffer view (no copy): dicom-parser on Node needs Buffer methods.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const meta = readFileMeta(buffer);
  if (!meta) {
    try {
      dicomParser.readPart10Header(buffer);
    } catch (e) {
      return fail(source, `not a readable DICOM file (${parserWords(e)})`);
    }
    return fail(source, 'not a readable DICOM file (no file meta header)');
  }
  if (meta.transferSyntaxUid !== DEFLATED_LE) {
    try {
      return dicomParser.parseDicom(buffer);
    } catch (e) {
      return fail(source, `not a readable DICOM file (${parserWords(e)})`);
    }
  }
  const start = meta.dataSetStart;
  const deflated = buffer.subarray(start);
  const withInflated = (inflated: Uint8Array): Buffer => Buffer.concat([buffer.subarray(0, start), inflated]);
  const inflateOrFail = (input: Uint8Array, cap: number, partial: boolean, overCap: string): Buffer => {
    try {
      return inflateRawCapped(input, cap, partial);
    } catch (e) {
      if (!(e instanceof InflateFailure)) throw e;
      return fail(source, e.overCap ? `deflated data set ${overCap}; refused (a decompression bomb or a garbled stream)` : `deflated data set cannot be inflated: ${e.words}`);
    }
  };
  // The header: input doubled until the parse reaches the pixel data (or the whole stream is in).
  let declaredBytes = maxVolumeBytes + DEFLATED_SLACK_BYTES;
  let declared = `inflates past ${declaredBytes} bytes (the ${formatBytes(maxVolumeBytes)} limit plus 1 MiB)`;
  for (let inputBytes = 64 * 1024; ; inputBytes *= 2) {
    const whole = inputBytes >= deflated.length;
    const head = withInflated(inflateOrFail(deflated.subarray(0, inputBytes), MAX_INFLATED_HEADER_BYTES, !whole, `inflates to more than ${formatBytes(MAX_INFLATED_HEADER_BYTES)} before its pixel data (the limit for a SEG header)`));
    let headerSet: DataSet | null = null;
    try {
      headerSet = dicomParser.parseDicom(head, { untilTag: 'x7fe00010', inflater: () => head });
    } catch (e) {
      if (whole) return fail(source, `not a readable DICOM file (${parserWords(e)})`);
    }
    const pixel = headerSet?.elements.x7fe00010;
    if (headerSet && pixel) {
      const rows = headerSet.uint16('x00280010') ?? 0;
      const columns = headerSet.uint16('x00280011') ?? 0;
      const frames = integerValue(headerSet.string('x00280008') ?? '1') ?? 1;
      const bits = headerSet.uint16('x00280100') ?? 1;
      const pixelBytes = Math.ceil((rows * columns * Math.max(1, frames) * bits) / 8);
      if (pixelBytes > maxVolumeBytes) {
        return fail(source, `PixelData of ${frames} frame(s) of ${columns}×${rows} at ${bits} bit (${pixelBytes} bytes) is over the ${formatBytes(maxVolumeBytes)} limit`);
      }
      declaredBytes = pixel.dataOffset - start + pixelBytes + DEFLATED_SLACK_BYTES;
      declared = `inflates past ${declaredBytes} bytes, more than its header and the ${pixelBytes} bytes of pixel data it declares (plus 1 MiB)`;
      break;
    }
    if (whole) break;
  }
  const inflated = inflateOrFail(deflated, declaredBytes, false, declared);
  const full = withInflated(inflated);
  try {
    return dicomParser.parseDicom(full, { inflater: () => full });
  } catch (e) {
    return fail(source, `not a readable DICOM file (${parserWords(e)})`);
  }
}

function decodeSeg(bytes: Uint8Array, source: string, maxVolumeBytes: number): DicomSegMask {
  const ds = parseSeg(bytes, source, maxVolumeBytes);

  const sopClass = ds.string('x00080016') ?? '';
  const modality = ds.string('x00080060') ?? '';
  if (sopClass !== segStorageSopClass && sopClass !== labelMapSegStorageSopClass && modality !== 'SEG') {
    // The file's own text, quoted unless it is a UID.
    const sopText = !sopClass ? 'missing' : isDicomUid(sopClass) ? sopClass : JSON.stringify(sopClass.slice(0, 40));
    fail(source, `not a DICOM SEG (SOP class ${sopText}, modality ${modality ? JSON.stringify(modality.slice(0, 16)) : 'missing'})`);
  }
  const segmentationType = (ds.string('x00620001') ?? '').toUpperCase();
  if (segmentationType !== 'BINARY' && segmentationType !== 'FRACTIONAL' && segmentationType !== 'LABELMAP') {
    fail(source, `unsupported SegmentationType '${segmentationType || 'missing'}' (supported: BINARY, FRACTIONAL, LABELMAP)`);
  }
  const type = segmentationType as SegmentationType;

  const pixelElement = ds.elements.x7fe00010;
  if (!pixelElement) fail(source, 'SEG has no PixelData');
  if (pixelElement.encapsulatedPixelData) {
    fail(source, `encapsulated (compressed) pixel data, transfer syntax ${ds.string('x00020010') ?? 'unknown'}, is not supported; decompress the SEG first (e.g. dcmdjpeg / gdcmconv --raw)`);
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  if (rows < 1 || columns < 1) fail(source, `invalid Rows × Columns ${rows} × ${columns}`);
  const frameText = ds.elements.x00280008 ? (ds.string('x00280008') ?? '') : '1';
  const frameCount = integerValue(frameText) ?? 0;
  if (!(frameCount >= 1)) fail(source, `invalid NumberOfFrames (0028,0008) ${JSON.stringify(frameText.slice(0, 40))} (not a whole number ≥ 1)`);
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const expectedBits = type === 'BINARY' ? [1] : type === 'FRACTIONAL' ? [8] : [8, 16];
  if (!expectedBits.includes(bitsAllocated)) {
    fail(source, `${type} SEG with BitsAllocated ${bitsAllocated} (expected ${expectedBits.join(' or ')})`);
  }
  const pixelsPerFrame = rows * columns;
  const neededBytes = Math.ceil((frameCount * pixelsPerFrame * bitsAllocated) / 8);
  if (pixelElement.length < neededBytes) {
    fail(source, `frame count mismatch: ${frameCount} frames of ${columns}×${rows} at ${bitsAllocated} bit need ${neededBytes} bytes of PixelData, the file has ${pixelElement.length}`);
  }
  const pixelBytes = ds.byteArray.subarray(pixelElement.dataOffset, pixelElement.dataOffset + pixelElement.length);

  // dicom-parser reads text byte by byte (Latin-1); a UTF-8 SEG's labels are decoded as UTF-8.
  const utf8 = (ds.string('x00080005') ?? '').includes('ISO_IR 192');
  const segmentNames = new Map<number, string>();
  const segmentLooks = new Map<number, Pick<SegmentMask, 'color' | 'category' | 'type'>>();
  for (const item of ds.elements.x00620002?.items ?? []) {
    const number = item.dataSet?.uint16('x00620004');
    if (number === undefined) continue;
    segmentNames.set(number, textValue(item.dataSet!, 'x00620005', utf8) ?? `segment ${number}`);
    segmentLooks.set(number, segmentLook(item.dataSet!));
  }
  if (type !== 'LABELMAP' && segmentNames.size === 0) fail(source, 'SEG has no SegmentSequence');

  const perFrameItems = ds.elements.x52009230?.items ?? [];
  if (perFrameItems.length !== 0 && perFrameItems.length !== frameCount) {
    fail(source, `frame count mismatch: NumberOfFrames is ${frameCount} but PerFrameFunctionalGroupsSequence has ${perFrameItems.length} items`);
  }
  const shared = firstItem(ds, 'x52009229');
  if ((ds.string('x00209311') ?? '').toUpperCase() === 'TILED_FULL' || ds.elements.x00480006 || firstItem(shared, 'x0048021a')) {
    fail(source, 'slide-microscopy SEG (tiled frames on a slide: TILED_FULL or a total pixel matrix) cannot be mapped to a plane grid; not supported');
  }
  // Every frame is placed by its per-frame item: without them, a count the pixel data alone bounds
  // (8 one-pixel frames per byte) would be trusted.
  if (perFrameItems.length === 0 && frameCount > 1) {
    fail(source, `NumberOfFrames (0028,0008) is ${frameCount} but there is no PerFrameFunctionalGroupsSequence (5200,9230) to place the frames`);
  }
  const lookupFor = (frameIndex: number): GroupLookup => {
    const perFrame = perFrameItems[frameIndex]?.dataSet ?? null;
    return (sequenceTag) => firstItem(perFrame, sequenceTag) ?? firstItem(shared, sequenceTag);
  };

  // Which segment each frame draws, and where it sits.
  const frameSegment = new Int32Array(frameCount);
  const placements: FramePlacement[] = [];
  const framesPerSegment = new Map<number, number>();
  const topOrientation = numbers(ds, 'x00200037');
  for (let f = 0; f < frameCount; f++) {
    const group = lookupFor(f);
    if (group('x0048021a')) {
      fail(source, 'slide-microscopy SEG (frames placed with PlanePositionSlideSequence on a slide) cannot be mapped to a plane grid; not supported');
    }
    if (type !== 'LABELMAP') {
      const segmentNumber = group('x0062000a')?.uint16('x0062000b');
      if (segmentNumber === undefined) fail(source, `frame ${f + 1} has no ReferencedSegmentNumber (SegmentIdentificationSequence)`);
      if (!segmentNames.has(segmentNumber)) fail(source, `frame ${f + 1} refers to segment ${segmentNumber}, which SegmentSequence does not define`);
      frameSegment[f] = segmentNumber;
    }
    framesPerSegment.set(frameSegment[f], (framesPerSegment.get(frameSegment[f]) ?? 0) + 1);
    const position = numbers(group('x00209113'), 'x00200032');
    const orientation = numbers(group('x00209116'), 'x00200037') ?? topOrientation;
    placements.push({
      positionMm: position && position.length === 3 ? (position as unknown as Vec3) : null,
      orientation: orientation && orientation.length === 6 ? orientation : null,
    });
  }

  let grid: ReturnType<typeof buildSliceGrid>;
  try {
    let maxFramesPerSegment = 0;
  for (const n of framesPerSegment.values()) maxFramesPerSegment = Math.max(maxFramesPerSegment, n);
    grid = buildSliceGrid(placements, maxFramesPerSegment);
  } catch (e) {
    return fail(source, e instanceof Error ? e.message : String(e));
  }

  const measures = (group: GroupLookup): DataSet | null => group('x00289110');
  const firstMeasures = measures(lookupFor(0));
  const pixelSpacing = numbers(firstMeasures, 'x00280030') ?? numbers(ds, 'x00280030');
  const sliceGap =
    numbers(firstMeasures, 'x00180088')?.[0] ?? numbers(ds, 'x00180088')?.[0] ?? numbers(firstMeasures, 'x00180050')?.[0] ?? numbers(ds, 'x00180050')?.[0] ?? grid.measuredSliceGapMm ?? 1;
  // PixelSpacing is (row spacing = y, column spacing = x).
  const spacingMm: [number, number, number] = [pixelSpacing?.[1] ?? 1, pixelSpacing?.[0] ?? 1, Math.abs(sliceGap) || 1];

  const shape = [columns, rows, grid.depth] as const;
  const voxelsPerVolume = columns * rows * grid.depth;
  // Checked before anything is allocated: one mask per segment on the whole grid, plus the label map.
  const maskCount = type === 'LABELMAP' ? new Set([...segmentNames.keys()].filter((n) => n !== 0)).size + 1 : segmentNames.size;
  const volumeBytes = (maskCount + 2) * voxelsPerVolume;
  if (volumeBytes > maxVolumeBytes) {
    fail(source, `SEG with ${segmentNames.size} segment(s) (SegmentSequence (0062,0002)) on a ${columns}×${rows}×${grid.depth} grid needs ${volumeBytes} bytes for its label map and one mask per segment, over the ${formatBytes(maxVolumeBytes)} limit`);
  }

  // Decodes one frame's pixel into foreground (segment) or label value.
  const maxFractional = ds.uint16('x0062000e') ?? 255; // MaximumFractionalValue
  const fractionalThreshold = type === 'FRACTIONAL' ? maxFractional / 2 : null;
  const readFramePixel = makePixelReader(type, pixelBytes, pixelsPerFrame, bitsAllocated, fractionalThreshold, ds);

  const segments = new Map<number, SegmentMask>();
  let labelMapData: Uint8Array | Uint16Array;
  let overlapVoxelCount = 0;

  if (type === 'LABELMAP') {
    const padding = ds.uint16('x00280120');
    const values = bitsAllocated === 16 ? new Uint16Array(voxelsPerVolume) : new Uint8Array(voxelsPerVolume);
    const counts = new Map<number, number>();
    for (let f = 0; f < frameCount; f++) {
      const zOffset = grid.frameSlice[f] * pixelsPerFrame;
      for (let p = 0; p < pixelsPerFrame; p++) {
        let value = readFramePixel(f, p);
        if (value === padding) value = 0; // PixelPaddingValue marks "no segment"
        if (value === 0) continue;
        if (values[zOffset + p] !== 0 && values[zOffset + p] !== value) overlapVoxelCount++;
        values[zOffset + p] = value;
      }
    }
    for (const v of values) if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
    labelMapData = values;
    const definedLabels = new Set([...segmentNames.keys(), ...counts.keys()]);
    definedLabels.delete(0); // the background segment is not a label
    // Labels drawn but not defined were not counted in the limit above: check again before allocating.
    if ((definedLabels.size + 2) * voxelsPerVolume > maxVolumeBytes) {
      fail(source, `LABELMAP SEG with ${definedLabels.size} labels on a ${columns}×${rows}×${grid.depth} grid needs ${(definedLabels.size + 2) * voxelsPerVolume} bytes for one mask per label, over the ${formatBytes(maxVolumeBytes)} limit`);
    }
    // One pass over the label map fills every label's mask (not one pass per label).
    const masks = new Map<number, Uint8Array>();
    for (const label of [...definedLabels].sort((a, b) => a - b)) masks.set(label, new Uint8Array(voxelsPerVolume));
    for (let i = 0; i < voxelsPerVolume; i++) {
      if (values[i] !== 0) masks.get(values[i])![i] = 1;
    }
    for (const [label, mask] of masks) {
      const volume = { data: mask, shape, spacingMm, source: `${source} segment ${label}` };
      segments.set(label, { label, name: segmentNames.get(label) ?? `segment ${label}`, ...segmentLooks.get(label), voxelCount: counts.get(label) ?? 0, volume });
    }
  } else {
    const segmentNumbers = [...segmentNames.keys()].sort((a, b) => a - b);
    // A mask for every segment (zeroed memory the system hands out lazily: a segment no frame draws
    // costs no work); only the frames' pixels are visited, so the work is linear in the pixel data.
    const masks = new Map(segmentNumbers.map((n) => [n, new Uint8Array(voxelsPerVolume)]));
    const voxelCounts = new Map(segmentNumbers.map((n) => [n, 0]));
    let highestSegment = 0;
    for (const n of segmentNumbers) highestSegment = Math.max(highestSegment, n);
    labelMapData = highestSegment > 0xff ? new Uint16Array(voxelsPerVolume) : new Uint8Array(voxelsPerVolume);
    const owners = new Uint8Array(voxelsPerVolume);
    // Frames in ascending segment order (stable): the highest SegmentNumber ends up in the label map.
    const frameOrder = Array.from({ length: frameCount }, (_, f) => f).sort((a, b) => frameSegment[a] - frameSegment[b] || a - b);
    for (const f of frameOrder) {
      const n = frameSegment[f];
      const mask = masks.get(n)!;
      const zOffset = grid.frameSlice[f] * pixelsPerFrame;
      let added = 0;
      for (let p = 0; p < pixelsPerFrame; p++) {
        const i = zOffset + p;
        if (mask[i] || !readFramePixel(f, p)) continue;
        mask[i] = 1;
        added++;
        labelMapData[i] = n;
        if (owners[i] === 1) overlapVoxelCount++;
        if (owners[i] < 2) owners[i]++;
      }
      voxelCounts.set(n, voxelCounts.get(n)! + added);
    }
    for (const n of segmentNumbers) {
      segments.set(n, { label: n, name: segmentNames.get(n)!, ...segmentLooks.get(n), voxelCount: voxelCounts.get(n)!, volume: { data: masks.get(n)!, shape, spacingMm, source: `${source} segment ${n}` } });
    }
  }

  return {
    source,
    segmentationType: type,
    labelMap: { data: labelMapData, shape, spacingMm, source },
    segments,
    overlapVoxelCount,
    fractionalThreshold,
    ...referencedImages(ds, perFrameItems.map((item) => item.dataSet ?? null)),
    slicePositionsMm: grid.slicePositionsMm,
    orientation: grid.orientation,
  };
}


/**
 * Returns (frame, pixel) → value. BINARY frames are bit-packed with no padding between frames, so
 * frame f starts at bit f × rows × columns, which is mid-byte whenever the frame size is not a
 * multiple of 8; the first pixel sits in the least significant bit.
 * FRACTIONAL returns 1 when the stored value ≥ MaximumFractionalValue / 2 (a probability or
 * occupancy of at least one half), else 0.
 */
function makePixelReader(
  type: SegmentationType,
  pixelBytes: Uint8Array,
  pixelsPerFrame: number,
  bitsAllocated: number,
  fractionalThreshold: number | null,
  ds: DataSet,
): (frame: number, pixel: number) => number {
  if (type === 'BINARY') {
    return (frame, pixel) => {
      const bit = frame * pixelsPerFrame + pixel;
      return (pixelBytes[bit >> 3] >> (bit & 7)) & 1;
    };
  }
  if (type === 'FRACTIONAL') {
    const threshold = fractionalThreshold!;
    return (frame, pixel) => (pixelBytes[frame * pixelsPerFrame + pixel] >= threshold ? 1 : 0);
  }
  if (bitsAllocated === 16) {
    // The parser knows the transfer syntax's byte order.
    return (frame, pixel) => ds.byteArrayParser.readUint16(pixelBytes, (frame * pixelsPerFrame + pixel) * 2);
  }
  return (frame, pixel) => pixelBytes[frame * pixelsPerFrame + pixel];
}

/** A text element's value, decoded as UTF-8 when the data set says ISO_IR 192; undefined when absent. */
function textValue(item: DataSet, tag: string, utf8: boolean): string | undefined {
  const element = item.elements[tag];
  if (!element) return undefined;
  if (!utf8) return item.string(tag);
  return Buffer.from(item.byteArray.buffer, item.byteArray.byteOffset + element.dataOffset, element.length).toString('utf8').replace(/[\0 ]+$/, '');
}

/** A coded entry (CodeValue, CodingSchemeDesignator, CodeMeaning) of a code sequence's first item, or undefined when incomplete. */
function codeOf(item: DataSet, sequenceTag: string): Code | undefined {
  const code = firstItem(item, sequenceTag);
  const value = code?.string('x00080100') ?? code?.string('x00080119');
  const scheme = code?.string('x00080102');
  const meaning = code?.string('x00080104');
  return value && scheme && meaning ? { value: value.slice(0, 64), scheme: scheme.slice(0, 64), meaning: meaning.slice(0, 256) } : undefined;
}

/** A segment's recommended colour (RecommendedDisplayCIELabValue, three US values) and its codes. */
function segmentLook(item: DataSet): Pick<SegmentMask, 'color' | 'category' | 'type'> {
  const lab = item.elements.x0062000d?.length === 6 ? [0, 1, 2].map((k) => item.uint16('x0062000d', k)!) : null;
  const category = codeOf(item, 'x00620003');
  const type = codeOf(item, 'x0062000f');
  return { ...(lab ? { color: dicomLabToRgb(lab) } : {}), ...(category ? { category } : {}), ...(type ? { type } : {}) };
}

/** The series and instances the SEG was drawn on: ReferencedSeriesSequence, else each frame's source images. */
function referencedImages(ds: DataSet, perFrame: (DataSet | null)[]): { referencedSeriesUid: string | null; referencedSopInstanceUids: string[] } {
  const uids = new Set<string>();
  const series = firstItem(ds, 'x00081115');
  for (const item of series?.elements.x0008114a?.items ?? []) {
    const uid = item.dataSet?.string('x00081155');
    if (uid) uids.add(uid);
  }
  for (const frame of perFrame) {
    for (const derivation of frame?.elements.x00089124?.items ?? []) {
      for (const sourceImage of derivation.dataSet?.elements.x00082112?.items ?? []) {
        const uid = sourceImage.dataSet?.string('x00081155');
        if (uid) uids.add(uid);
      }
    }
  }
  return { referencedSeriesUid: series?.string('x0020000e') ?? null, referencedSopInstanceUids: [...uids] };
}
