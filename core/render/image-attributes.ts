// The Image Pixel module (PS3.3 C.7.6.3) and the grey-scale pipeline attributes (modality LUT, VOI)
// of one frame, read and checked before any pixel byte is touched.
import type { DataSet } from 'dicom-parser';
import { tagLabel } from '../dicom/tag-label';
import { decimal, decimals, integerString, sequenceItem, textValue, us, usAt } from './dicom-values';
import { RenderRefusal } from './render-refusal';

export type Photometric =
  | 'MONOCHROME1'
  | 'MONOCHROME2'
  | 'PALETTE COLOR'
  | 'RGB'
  | 'YBR_FULL'
  | 'YBR_FULL_422'
  | 'YBR_RCT'
  | 'YBR_ICT'
  | 'YBR_PARTIAL_420';

const PHOTOMETRICS: readonly Photometric[] = ['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'YBR_PARTIAL_420'];

export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 1: two's complement samples. */
  signed: boolean;
  photometric: Photometric;
  /** 0: R1 G1 B1 R2 …; 1: all R, then all G, then all B. */
  planarConfiguration: 0 | 1;
  numberOfFrames: number;
}

export interface GreyPipeline {
  slope: number;
  intercept: number;
  /** Whether the file (or its functional groups) gives Rescale Slope or Intercept at all. */
  hasRescale: boolean;
  windowCenters: number[];
  windowWidths: number[];
  voiFunction: string;
}

const PIXEL_TAGS = {
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
} as const;

function required(dataSet: DataSet, tag: string, name: string): number {
  const value = us(dataSet, tag, name);
  if (value === null) throw new RenderRefusal(`${name} ${tagLabel(tag)} is missing`);
  return value;
}

/** The pixel layout, refused when an attribute is missing, impossible, or contradicts another. */
export function readPixelLayout(dataSet: DataSet): PixelLayout {
  const rows = required(dataSet, PIXEL_TAGS.rows, 'Rows');
  const columns = required(dataSet, PIXEL_TAGS.columns, 'Columns');
  if (rows === 0 || columns === 0) throw new RenderRefusal(`the image is ${rows} × ${columns} pixels (Rows (0028,0010) × Columns (0028,0011))`);
  const bitsAllocated = required(dataSet, PIXEL_TAGS.bitsAllocated, 'Bits Allocated');
  if (![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new RenderRefusal(`Bits Allocated (0028,0100) is ${bitsAllocated}; only 1, 8, 16 and 32 bits are rendered`);
  }
  const bitsStored = us(dataSet, PIXEL_TAGS.bitsStored, 'Bits Stored') ?? bitsAllocated;
  if (bitsStored === 0 || bitsStored > bitsAllocated) {
    throw new RenderRefusal(`Bits Stored (0028,0101) is ${bitsStored} with Bits Allocated (0028,0100) ${bitsAllocated}`);
  }
  const highBit = us(dataSet, PIXEL_TAGS.highBit, 'High Bit') ?? bitsStored - 1;
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new RenderRefusal(`High Bit (0028,0102) is ${highBit} with Bits Stored ${bitsStored} and Bits Allocated ${bitsAllocated}`);
  }
  const samplesPerPixel = us(dataSet, PIXEL_TAGS.samplesPerPixel, 'Samples per Pixel') ?? 1;
  const pixelRepresentation = us(dataSet, PIXEL_TAGS.pixelRepresentation, 'Pixel Representation') ?? 0;
  const photometricText = textValue(dataSet, PIXEL_TAGS.photometric).toUpperCase();
  const photometric = (photometricText || (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB')) as Photometric;
  if (!PHOTOMETRICS.includes(photometric)) {
    throw new RenderRefusal(`Photometric Interpretation (0028,0004) ${JSON.stringify(photometricText.slice(0, 40))} is not one that can be rendered`);
  }
  const expectedSamples = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2' || photometric === 'PALETTE COLOR' ? 1 : 3;
  if (samplesPerPixel !== expectedSamples) {
    throw new RenderRefusal(`Samples per Pixel (0028,0002) is ${samplesPerPixel} but ${photometric} needs ${expectedSamples}`);
  }
  const planar = us(dataSet, PIXEL_TAGS.planarConfiguration, 'Planar Configuration') ?? 0;
  if (samplesPerPixel > 1 && planar !== 0 && planar !== 1) {
    throw new RenderRefusal(`Planar Configuration (0028,0006) is ${planar}; only 0 and 1 exist`);
  }
  const numberOfFrames = integerString(dataSet, PIXEL_TAGS.numberOfFrames, 'Number of Frames') ?? 1;
  if (numberOfFrames < 1) throw new RenderRefusal(`Number of Frames (0028,0008) is ${numberOfFrames}`);
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: pixelRepresentation === 1,
    photometric,
    planarConfiguration: samplesPerPixel > 1 && planar === 1 ? 1 : 0,
    numberOfFrames,
  };
}

const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const FRAME_VOI_LUT = 'x00289132';

/**
 * Rescale and window of frame `frameIndex` (0-based): the per-frame functional group, else the
 * shared one (enhanced multi-frame objects), else the top-level attributes.
 */
export function readGreyPipeline(dataSet: DataSet, frameIndex: number): GreyPipeline {
  const perFrame = sequenceItem(dataSet, PER_FRAME_GROUPS, frameIndex);
  const shared = sequenceItem(dataSet, SHARED_GROUPS, 0);
  const fromGroups = (macro: string): DataSet | null =>
    (perFrame && sequenceItem(perFrame, macro)) ?? (shared && sequenceItem(shared, macro)) ?? null;
  const rescaleSet = fromGroups(PIXEL_VALUE_TRANSFORMATION) ?? dataSet;
  const voiSet = fromGroups(FRAME_VOI_LUT) ?? dataSet;
  const slope = decimal(rescaleSet, 'x00281053', 'Rescale Slope');
  const intercept = decimal(rescaleSet, 'x00281052', 'Rescale Intercept');
  return {
    slope: slope === null || slope === 0 ? 1 : slope,
    intercept: intercept ?? 0,
    hasRescale: slope !== null || intercept !== null,
    windowCenters: decimals(voiSet, 'x00281050', 'Window Center'),
    windowWidths: decimals(voiSet, 'x00281051', 'Window Width'),
    voiFunction: textValue(voiSet, 'x00281056'),
  };
}

const PALETTE_TAGS = [
  { name: 'red', descriptor: 'x00281101', data: 'x00281201', segmented: 'x00281221' },
  { name: 'green', descriptor: 'x00281102', data: 'x00281202', segmented: 'x00281222' },
  { name: 'blue', descriptor: 'x00281103', data: 'x00281203', segmented: 'x00281223' },
] as const;

/** A lookup table (PS3.3 C.11.1.1 / C.7.6.3.1.5): inputs from `firstMapped` on; below it the first entry, past the end the last. */
export interface Lut {
  firstMapped: number;
  bitsPerEntry: number;
  entries: Uint16Array;
}

/**
 * A LUT's descriptor (entries, 0 meaning 65,536; first mapped value, SS when pixels are signed;
 * bits per entry) and its data: one 16-bit word per entry, or, for 8-bit entries, one byte per
 * entry when the data holds exactly as many bytes (both are written).
 */
function readLut(dataSet: DataSet, descriptorTag: string, dataTag: string, what: string, signed: boolean, allowedBits: (bits: number) => boolean): Lut {
  const count = usAt(dataSet, descriptorTag, 0, false);
  const firstMapped = usAt(dataSet, descriptorTag, 1, signed);
  const bits = usAt(dataSet, descriptorTag, 2, false);
  if (count === null || firstMapped === null || bits === null) {
    throw new RenderRefusal(`the ${what} descriptor ${tagLabel(descriptorTag)} is missing or has fewer than 3 values`);
  }
  if (!allowedBits(bits)) throw new RenderRefusal(`the ${what} descriptor ${tagLabel(descriptorTag)} says ${bits} bits per entry`);
  const entryCount = count === 0 ? 65536 : count;
  const element = dataSet.elements[dataTag];
  if (!element) throw new RenderRefusal(`the ${what} data ${tagLabel(dataTag)} is missing`);
  if (element.dataOffset + element.length > dataSet.byteArray.length) {
    throw new RenderRefusal(`the ${what} data ${tagLabel(dataTag)} runs past the end of the data set`);
  }
  const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  const littleEndian = !isBigEndianParser(dataSet);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Uint16Array(entryCount);
  if (bits <= 8 && bytes.length === entryCount) {
    entries.set(bytes);
  } else if (bytes.length >= entryCount * 2) {
    for (let i = 0; i < entryCount; i++) entries[i] = view.getUint16(i * 2, littleEndian);
    // 8-bit entries in 16-bit words: the value sits in the low byte (or, from some writers, the high one).
    if (bits <= 8 && entries.some((v) => v > 255)) for (let i = 0; i < entryCount; i++) entries[i] = entries[i] > 255 ? entries[i] >> 8 : entries[i];
  } else {
    throw new RenderRefusal(`the ${what} data ${tagLabel(dataTag)} holds ${bytes.length} bytes for ${entryCount} entries of ${bits} bits`);
  }
  return { firstMapped, bitsPerEntry: bits, entries };
}

/** A LUT's entry for input `x` (a fractional input, from a rescale, is truncated as pydicom's apply_voi does). */
export function lutValue(lut: Lut, x: number): number {
  const index = Math.trunc(x - lut.firstMapped);
  return lut.entries[index <= 0 ? 0 : index >= lut.entries.length ? lut.entries.length - 1 : index];
}

const MODALITY_LUT_SEQUENCE = 'x00283000';

/** The Modality LUT Sequence's (0028,3000) table, when the file maps stored values through one instead of rescaling. */
export function readModalityLut(dataSet: DataSet, layout: PixelLayout): Lut | null {
  const item = sequenceItem(dataSet, MODALITY_LUT_SEQUENCE, 0);
  if (!item) return null;
  return readLut(item, 'x00283002', 'x00283006', 'Modality LUT', layout.signed, (bits) => bits >= 8 && bits <= 16);
}

const VOI_LUT_SEQUENCE = 'x00283010';

/**
 * The first table of the VOI LUT Sequence (0028,3010), PS3.3 C.11.2: it maps the modality LUT's
 * output onto the display range (0 .. 2^bits - 1) instead of a window. Its first mapped value is
 * read as SS when that output can be negative (a CT's HU), else as US.
 */
export function readVoiLut(dataSet: DataSet, signedInput: boolean): Lut | null {
  const item = sequenceItem(dataSet, VOI_LUT_SEQUENCE, 0);
  if (!item) return null;
  return readLut(item, 'x00283002', 'x00283006', 'VOI LUT', signedInput, (bits) => bits >= 8 && bits <= 16);
}

/** The red, green and blue palette LUTs (8- or 16-bit entries). */
export function readPalette(dataSet: DataSet, layout: PixelLayout): [Lut, Lut, Lut] {
  return PALETTE_TAGS.map(({ name, descriptor, data, segmented }) => {
    if (!dataSet.elements[data] && dataSet.elements[segmented]) {
      throw new RenderRefusal(`segmented palette colour LUTs ${tagLabel(segmented)} are not rendered`);
    }
    return readLut(dataSet, descriptor, data, `${name} Palette Color Lookup Table`, layout.signed, (bits) => bits === 8 || bits === 16);
  }) as [Lut, Lut, Lut];
}

/** dicom-parser gives each element the byte-order parser of its data set. */
function isBigEndianParser(dataSet: DataSet): boolean {
  const probe = Uint8Array.from([0x01, 0x02]);
  return dataSet.byteArrayParser.readUint16(probe, 0) === 0x0102;
}
