// The viewport's warm-up image (warm-up-ct.dcm, loaded at start-up by warmViewport.ts) is made by the
// project's own writer and codec, and is what its comment says: a 512 × 512 JPEG 2000 lossless CT slice
// of -1024 HU, shaped like the real CT so that start-up runs the first image's whole path once.
// VESALIUS_WRITE_WARM_UP_CT=1 writes the file from this recipe instead of checking it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { encodePart10, metaHeaderEnd } from '../../../../core/dicom/part10-writer';
import type { NaturalDataset } from '../../../../core/dicom/dcmjs-api';
import { decodeCompressed } from '../../../../core/render/codecs';

const assetPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'warm-up-ct.dcm');
const JPEG_2000_LOSSLESS = '1.2.840.10008.1.2.4.90';
const SIZE = 512;

interface J2KEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorTransform: boolean }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete?(): void;
}

/** 12 bits stored, unsigned, every sample 0, lossless: what the real CT's codestreams declare (512², 12-bit, unsigned, reversible). */
async function encodeBlackFrame(): Promise<Uint8Array> {
  const exported = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/wasmjs') as ((o: object) => Promise<{ J2KEncoder: new () => J2KEncoder }>) | { default: (o: object) => Promise<{ J2KEncoder: new () => J2KEncoder }> };
  const factory = typeof exported === 'function' ? exported : exported.default;
  const codec = await factory({ print: () => undefined, printErr: () => undefined });
  const encoder = new codec.J2KEncoder();
  try {
    encoder.getDecodedBuffer({ width: SIZE, height: SIZE, bitsPerSample: 12, componentCount: 1, isSigned: false, isUsingColorTransform: false }).fill(0);
    encoder.setQuality(true, 0);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete?.();
  }
}

async function warmUpCtFile(): Promise<Buffer> {
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: '2.25.1',
    StudyInstanceUID: '2.25.2',
    SeriesInstanceUID: '2.25.3',
    FrameOfReferenceUID: '2.25.4',
    Modality: 'CT',
    Rows: SIZE,
    Columns: SIZE,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    // Stored 0 is -1024 HU, at the bottom of the window: black if it is ever on screen.
    RescaleIntercept: -1024,
    RescaleSlope: 1,
    WindowCenter: 0,
    WindowWidth: 1024,
    PixelSpacing: [1, 1],
    SliceThickness: 1,
    ImagePositionPatient: [0, 0, 0],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    InstanceNumber: 1,
  } as unknown as NaturalDataset;
  return encodePart10(dataset, JPEG_2000_LOSSLESS, { frames: [await encodeBlackFrame()], vr: 'OB' });
}

describe('the viewport warm-up CT (warm-up-ct.dcm)', () => {
  it('is the file the recipe makes (the data set; the meta header names the writer version)', async () => {
    const made = await warmUpCtFile();
    if (process.env.VESALIUS_WRITE_WARM_UP_CT === '1') writeFileSync(assetPath, made);
    const shipped = readFileSync(assetPath);
    expect(shipped.subarray(metaHeaderEnd(shipped)).equals(made.subarray(metaHeaderEnd(made)))).toBe(true);
  });

  it('is a 512 × 512 JPEG 2000 lossless CT slice that decodes to all zeros (-1024 HU)', async () => {
    const bytes = new Uint8Array(readFileSync(assetPath));
    const dataSet = dicomParser.parseDicom(bytes);
    expect(dataSet.string('x00020010')).toBe(JPEG_2000_LOSSLESS);
    expect(dataSet.string('x00080060')).toBe('CT');
    expect([dataSet.uint16('x00280010'), dataSet.uint16('x00280011'), dataSet.uint16('x00280101'), dataSet.uint16('x00280103')]).toEqual([SIZE, SIZE, 12, 0]);
    expect(dataSet.floatString('x00281052')).toBe(-1024);
    const frame = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, dataSet.elements.x7fe00010, 0);
    const decoded = await decodeCompressed(JPEG_2000_LOSSLESS, frame, 16, 'MONOCHROME2');
    expect([decoded.width, decoded.height, decoded.componentCount]).toEqual([SIZE, SIZE, 1]);
    expect(decoded.bytes.length).toBe(SIZE * SIZE * 2);
    expect(decoded.bytes.every((b) => b === 0)).toBe(true);
  });
});
