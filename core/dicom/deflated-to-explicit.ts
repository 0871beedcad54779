import { metaElements, hasDicmMarker } from './file-meta';
import { DEFLATED_LE, EXPLICIT_LE } from './transfer-syntax';

/**
 * A Deflated Explicit VR Little Endian file (PS3.5 A.5) re-encoded as the same data set in Explicit
 * VR Little Endian: the body inflated, (0002,0010) rewritten and (0002,0000) recounted. For readers
 * (cornerstone's data-set loader) that hand the whole file to dicom-parser, whose meta header reader
 * reads one element of the still-deflated body and now and then fails on it. `inflate` is the
 * caller's (node:zlib or fflate), with its own cap on the output.
 */
export function deflatedToExplicit(bytes: Uint8Array, inflate: (deflated: Uint8Array) => Uint8Array): Uint8Array {
  if (!hasDicmMarker(bytes)) throw new Error('no "DICM" marker at byte 128');
  const elements = [];
  const walk = metaElements(bytes);
  let step = walk.next();
  for (; !step.done; step = walk.next()) elements.push(step.value);
  if (!step.value.complete) throw new Error(`the file meta header cannot be read to its end (stopped at byte ${step.value.end})`);
  const bodyStart = step.value.end;
  const syntaxElement = elements.find((e) => e.element === 0x0010);
  const syntax = syntaxElement ? String.fromCharCode(...bytes.subarray(syntaxElement.valueAt, syntaxElement.valueAt + syntaxElement.length)).replace(/\0/g, '').trim() : '';
  if (syntax !== DEFLATED_LE) throw new Error(`transfer syntax is ${syntax || 'absent'}, not ${DEFLATED_LE}`);

  const explicitUid = new TextEncoder().encode(EXPLICIT_LE.length % 2 ? `${EXPLICIT_LE}\0` : EXPLICIT_LE);
  // Each meta element as it will be written: the transfer syntax element anew, the others as they are.
  const parts = elements.map((e) => {
    if (e.element !== 0x0010) return { element: e.element, bytes: bytes.subarray(e.at, e.valueAt + e.length) };
    const header = Uint8Array.of(0x02, 0x00, 0x10, 0x00, 0x55, 0x49, explicitUid.length & 0xff, explicitUid.length >> 8);
    const encoded = new Uint8Array(header.length + explicitUid.length);
    encoded.set(header);
    encoded.set(explicitUid, header.length);
    return { element: e.element, bytes: encoded };
  });
  const groupLength = parts.filter((p) => p.element !== 0x0000).reduce((sum, p) => sum + p.bytes.length, 0);
  const body = inflate(bytes.subarray(bodyStart));
  const out = new Uint8Array(132 + parts.reduce((sum, p) => sum + p.bytes.length, 0) + body.length);
  out.set(bytes.subarray(0, 132));
  let at = 132;
  for (const part of parts) {
    out.set(part.bytes, at);
    // (0002,0000) UL: the bytes of the meta elements after it.
    if (part.element === 0x0000 && part.bytes.length === 12) new DataView(out.buffer, out.byteOffset + at + 8, 4).setUint32(0, groupLength, true);
    at += part.bytes.length;
  }
  out.set(body, at);
  return out;
}
