import dicomParser from 'dicom-parser';
import { guessRawTransferSyntax } from './read-header';
import { IMPLEMENTATION_CLASS_UID } from './writer-identity';

/** One explicit VR little endian element with a 2-byte length (UI) or the OB form (reserved + 4-byte length). */
function metaElement(element: number, vr: 'UI' | 'OB', value: Uint8Array): Buffer {
  // Values have even length; UIDs are padded with a NUL.
  const padded = value.length % 2 === 1 ? Buffer.concat([value, Buffer.from([0])]) : Buffer.from(value);
  const head = Buffer.alloc(vr === 'OB' ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'latin1');
  if (vr === 'OB') head.writeUInt32LE(padded.length, 8);
  else head.writeUInt16LE(padded.length, 6);
  return Buffer.concat([head, padded]);
}

const uid = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/**
 * The bytes to serve for a file: unchanged when it is a Part 10 file ("DICM" at 128); for a bare
 * data set the indexer accepted, the same data set behind a preamble and file meta header, so
 * viewers that require Part 10 (cornerstone's loader does) can open it.
 */
export function asPart10(fileBytes: Uint8Array): Uint8Array {
  const isPart10 = fileBytes.length >= 132 && Buffer.from(fileBytes.buffer, fileBytes.byteOffset + 128, 4).toString('latin1') === 'DICM';
  if (isPart10) return fileBytes;
  const transferSyntaxUid = guessRawTransferSyntax(fileBytes);
  if (!transferSyntaxUid) return fileBytes;
  let sopClassUid = '';
  let sopInstanceUid = '';
  try {
    const dataSet = dicomParser.parseDicom(fileBytes, { TransferSyntaxUID: transferSyntaxUid, untilTag: 'x7fe00010' });
    sopClassUid = (dataSet.string('x00080016') ?? '').replace(/\0/g, '');
    sopInstanceUid = (dataSet.string('x00080018') ?? '').replace(/\0/g, '');
  } catch {
    return fileBytes;
  }
  const elements = Buffer.concat([
    metaElement(0x0001, 'OB', Uint8Array.from([0, 1])),
    metaElement(0x0002, 'UI', uid(sopClassUid)),
    metaElement(0x0003, 'UI', uid(sopInstanceUid)),
    metaElement(0x0010, 'UI', uid(transferSyntaxUid)),
    metaElement(0x0012, 'UI', uid(IMPLEMENTATION_CLASS_UID)),
  ]);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(elements.length, 8);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, groupLength, elements, fileBytes]);
}
