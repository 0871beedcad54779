// Writing DICOM Part 10 files with dcmjs: used by the exports (SEG, Encapsulated PDF, SR), the PNG dataset import and the test fixtures.
import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { dcmjsData, type NaturalDataset } from './dcmjs-api';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './writer-identity';

/** Deflated Explicit VR Little Endian: the one syntax whose body the writer deflates itself. */
const DEFLATED_SYNTAX_UID = '1.2.840.10008.1.2.1.99';

/** A fresh UID under the UUID-derived root 2.25 (PS3.5 B.2): 16 random bytes as one decimal integer. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10)}`;
}

/** A UID under 2.25 derived from a text: the same text always gives the same UID (re-imports find their own series). */
export function uidFromText(text: string): string {
  return `2.25.${BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 32)}`).toString(10)}`;
}

export interface PixelPayload {
  /** One byte array per frame, already in the byte order and encoding the transfer syntax wants. */
  frames: Uint8Array[];
  vr: 'OW' | 'OB';
}

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/**
 * Encodes a naturalised data set as a DICOM Part 10 file in the given transfer syntax. dcmjs writes
 * the meta header and the data set; for the deflated syntax it writes explicit little endian and we
 * deflate everything after the meta header, as PS3.5 A.5 prescribes.
 */
export function encodePart10(dataset: NaturalDataset, transferSyntaxUid: string, pixels?: PixelPayload): Buffer {
  const meta = dcmjsData.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    // Every file this writer makes is Vesalius's (exports, converted dataset images, test fixtures alike).
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  });
  const body: NaturalDataset = { ...dataset };
  if (pixels) {
    body.PixelData = pixels.frames.map(toArrayBuffer);
    body._vrMap = { PixelData: pixels.vr };
  }
  const dict = new dcmjsData.DicomDict(meta);
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(body);
  // One fragment per frame: RLE requires it (PS3.5 A.4.2).
  const bytes = Buffer.from(dict.write({ fragmentMultiframe: false }));
  if (transferSyntaxUid !== DEFLATED_SYNTAX_UID) return bytes;
  const metaEnd = metaHeaderEnd(bytes);
  return Buffer.concat([bytes.subarray(0, metaEnd), deflateRawSync(bytes.subarray(metaEnd))]);
}

/** Offset just after the file meta group: preamble (128) + "DICM" (4) + group length element (12) + its value. */
export function metaHeaderEnd(part10: Buffer): number {
  return 144 + part10.readUInt32LE(140);
}

