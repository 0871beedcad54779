import { createHash } from 'node:crypto';
import { DERIVED_KEY_PREFIX, isDicomUid } from '../contract/primitives';
import type { DataSet } from 'dicom-parser';
import type { ImportErrorCode, Instance, Patient, Series, Study } from '../contract/dicom';
import { elementLength } from './fast-header';
import { decimalValues, integerValue } from './numeric-strings';
import type { HeaderRead } from './read-header';
import { nonImageReason, sopClassLabel } from './sop-class';
import { isSupportedTransferSyntax, transferSyntaxName } from './transfer-syntax';
import { tagLabel } from './tag-label';

/** One image file's place in the tree: its instance and the patient/study/series fields it carries. */
export interface InstanceRecord {
  instance: Omit<Instance, 'fileKey'>;
  patient: Omit<Patient, 'studies'>;
  study: Omit<Study, 'series'>;
  series: Omit<Series, 'instances' | 'frames'>;
}

export type DescribeOutcome = { ok: true; record: InstanceRecord } | { ok: false; code: ImportErrorCode; reason: string };

const UNDEFINED_LENGTH = 0xffffffff;
/** Most pixel data bytes a deflated file may declare (the per-volume cap the mask readers and render use). */
const MAX_DEFLATED_PIXEL_BYTES = 2 * 2 ** 30;

/** String value without trailing NUL/space padding; '' when absent. */
function text(dataSet: DataSet, tag: string): string {
  try {
    return (dataSet.string(tag) ?? '').replace(/\0+$/g, '').trim();
  } catch {
    return '';
  }
}


/**
 * Exactly `count` decimal-string values of `tag`, or null when the element is absent, holds another
 * number of values, or any value is not a decimal string (parseFloat would read "1.5abc" as 1.5).
 */
function decimals(dataSet: DataSet, tag: string, count: number): number[] | null {
  if (elementLength(dataSet, tag) === undefined) return null;
  const values = decimalValues(text(dataSet, tag));
  return values && values.length === count ? values : null;
}

/** An integer string's value; null when absent; 'malformed' when present but not one integer. */
function integerOrMalformed(dataSet: DataSet, tag: string): number | null | 'malformed' {
  if (elementLength(dataSet, tag) === undefined) return null;
  const raw = text(dataSet, tag);
  if (raw === '') return null;
  return integerValue(raw) ?? 'malformed';
}

/** An integer string's value, or null when absent or not an integer string. */
function integer(dataSet: DataSet, tag: string): number | null {
  const value = integerOrMalformed(dataSet, tag);
  return value === 'malformed' ? null : value;
}

/** A value as shown inside a reason: quoted, control characters escaped, at most 40 characters. */
const quoted = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** A DICOM UID as the standard allows it (digits and dots, at most 64 characters): a series key that is not a derived one. */

function unsigned16(dataSet: DataSet, tag: string): number | null {
  const length = elementLength(dataSet, tag);
  if (length === undefined || length < 2) return null;
  return dataSet.uint16(tag) ?? null;
}


// Every file of an anonymised series asks for the same keys: remember recent ones instead of hashing each time.
const derivedKeyCache = new Map<string, string>();
const DERIVED_KEY_CACHE_LIMIT = 4096;

function derivedKey(parts: string[]): string {
  const joined = parts.join('\u0000');
  let key = derivedKeyCache.get(joined);
  if (key === undefined) {
    key = DERIVED_KEY_PREFIX + createHash('sha1').update(joined).digest('hex').slice(0, 24);
    if (derivedKeyCache.size >= DERIVED_KEY_CACHE_LIMIT) derivedKeyCache.clear();
    derivedKeyCache.set(joined, key);
  }
  return key;
}

/** Decides whether a parsed header is an image the viewer can show, and if so, extracts its fields. */
export function describeInstance(path: string, header: HeaderRead): DescribeOutcome {
  const dataSet = header.dataSet;
  const sopClassUid = text(dataSet, 'x00080016') || text(dataSet, 'x00020002');

  if (elementLength(dataSet, 'x00041220') !== undefined || sopClassUid === '1.2.840.10008.1.3.10') {
    return { ok: false, code: 'not_an_image', reason: nonImageReason('1.2.840.10008.1.3.10') ?? 'DICOMDIR' };
  }
  const nonImage = nonImageReason(sopClassUid);
  if (nonImage) return { ok: false, code: 'not_an_image', reason: nonImage };

  const pixelElement = header.pixelElement;
  if (!pixelElement) {
    // A class UID that is not a UID is quoted as the file's text, never printed as if it were one.
    const classLabel = !sopClassUid || isDicomUid(sopClassUid) ? sopClassLabel(sopClassUid) : `SOP Class UID (0008,0016) ${quoted(sopClassUid)} (not a UID)`;
    return { ok: false, code: 'no_pixel_data', reason: `${classLabel}: no Pixel Data (7FE0,0010) element` };
  }
  if (!isSupportedTransferSyntax(header.transferSyntaxUid)) {
    const uid = !header.transferSyntaxUid ? '(empty)' : isDicomUid(header.transferSyntaxUid) ? header.transferSyntaxUid : `${quoted(header.transferSyntaxUid)} (not a UID)`;
    return {
      ok: false,
      code: 'unsupported_transfer_syntax',
      reason: `transfer syntax ${uid} (${transferSyntaxName(header.transferSyntaxUid)}) cannot be decoded by the viewer`,
    };
  }

  // Anonymisers often blank the data set's UIDs; the file meta header keeps the instance's own.
  const dataSetSopInstanceUid = text(dataSet, 'x00080018');
  const sopInstanceUid = dataSetSopInstanceUid || text(dataSet, 'x00020003');
  if (!sopInstanceUid) return { ok: false, code: 'missing_tag', reason: 'missing SOP Instance UID (0008,0018) and (0002,0003)' };
  // The instance UID becomes a key in the catalog, the UI and URLs: only a real UID may get that far.
  if (!isDicomUid(sopInstanceUid)) {
    const where = dataSetSopInstanceUid ? 'SOP Instance UID (0008,0018)' : 'Media Storage SOP Instance UID (0002,0003)';
    return { ok: false, code: 'malformed', reason: `${where} ${quoted(sopInstanceUid)} is not a UID (digits and dots, at most 64 characters)` };
  }
  const rows = unsigned16(dataSet, 'x00280010');
  const columns = unsigned16(dataSet, 'x00280011');
  if (!rows) return { ok: false, code: 'missing_tag', reason: 'missing or zero Rows (0028,0010)' };
  if (!columns) return { ok: false, code: 'missing_tag', reason: 'missing or zero Columns (0028,0011)' };

  const declaredFrames = integerOrMalformed(dataSet, 'x00280008');
  if (declaredFrames === 'malformed') {
    return { ok: false, code: 'malformed', reason: `Number of Frames (0028,0008) ${quoted(text(dataSet, 'x00280008'))} is not an integer string` };
  }
  const numberOfFrames = Math.max(1, declaredFrames ?? 1);
  // A deflated file's pixel data length is not checked against the file (it lies in the inflated
  // stream): a length past the cap is a bomb the viewer would inflate, refused here.
  if (!header.offsetsAreFileOffsets && pixelElement.length !== UNDEFINED_LENGTH && pixelElement.length > MAX_DEFLATED_PIXEL_BYTES) {
    return {
      ok: false,
      code: 'malformed',
      reason: `Pixel Data ${tagLabel(pixelElement.tag)} of a deflated data set claims ${pixelElement.length} bytes, over the ${MAX_DEFLATED_PIXEL_BYTES / 2 ** 30} GiB limit for one image`,
    };
  }
  const shortfall = nativePixelShortfall(dataSet, pixelElement.tag, pixelElement.length, rows, columns, numberOfFrames);
  if (shortfall) return { ok: false, code: 'truncated', reason: shortfall };

  const patient = {
    patientId: text(dataSet, 'x00100020'),
    patientName: text(dataSet, 'x00100010'),
    birthDate: text(dataSet, 'x00100030'),
    sex: text(dataSet, 'x00100040'),
  };
  const study = {
    studyDate: text(dataSet, 'x00080020'),
    studyTime: text(dataSet, 'x00080030'),
    description: text(dataSet, 'x00081030'),
    accessionNumber: text(dataSet, 'x00080050'),
  };
  const series = {
    seriesNumber: integer(dataSet, 'x00200011'),
    modality: text(dataSet, 'x00080060'),
    description: text(dataSet, 'x0008103e'),
  };
  // Files whose study/series UIDs were blanked (or hold something that is not a UID) still group: by the
  // fields that identify a study (patient, date, time, accession, study ID) and a series (modality, number,
  // description, frame of reference), plus the unusable text itself, so two different bad UIDs stay apart.
  const rawStudyUid = text(dataSet, 'x0020000d');
  const studyInstanceUid = isDicomUid(rawStudyUid)
    ? rawStudyUid
    : derivedKey(['study', rawStudyUid, patient.patientId, patient.patientName, study.studyDate, study.studyTime, study.accessionNumber, text(dataSet, 'x00200010')]);
  const rawSeriesUid = text(dataSet, 'x0020000e');
  const seriesInstanceUid = isDicomUid(rawSeriesUid)
    ? rawSeriesUid
    : derivedKey(['series', rawSeriesUid, studyInstanceUid, series.modality, String(series.seriesNumber ?? ''), series.description, text(dataSet, 'x00200052')]);

  // A position or orientation that is not exactly 3 (6) decimal strings is unknown (null), not a
  // refusal: the image still shows, and slice order falls back (core/geometry/slice-order.ts).
  const position = decimals(dataSet, 'x00200032', 3);
  const orientation = decimals(dataSet, 'x00200037', 6);
  return {
    ok: true,
    record: {
      instance: {
        sopInstanceUid,
        sopClassUid,
        path,
        instanceNumber: integer(dataSet, 'x00200013'),
        imagePositionPatient: position ? [position[0], position[1], position[2]] : null,
        imageOrientationPatient: orientation
          ? [orientation[0], orientation[1], orientation[2], orientation[3], orientation[4], orientation[5]]
          : null,
        sliceLocation: decimals(dataSet, 'x00201041', 1)?.[0] ?? null,
        numberOfFrames,
        rows,
        columns,
        transferSyntaxUid: header.transferSyntaxUid,
      },
      patient,
      study: { studyInstanceUid, ...study },
      series: { seriesInstanceUid, ...series },
    },
  };
}

/** For native (not encapsulated) pixel data: is the element shorter than the image size demands? */
function nativePixelShortfall(
  dataSet: DataSet,
  pixelTag: string,
  length: number,
  rows: number,
  columns: number,
  frames: number,
): string | null {
  if (length === UNDEFINED_LENGTH) return null;
  const bitsAllocated = pixelTag === 'x7fe00008' ? 32 : pixelTag === 'x7fe00009' ? 64 : (unsigned16(dataSet, 'x00280100') ?? 0);
  if (!bitsAllocated) return null;
  const samplesPerPixel = unsigned16(dataSet, 'x00280002') ?? 1;
  const expectedBits = rows * columns * frames * samplesPerPixel * bitsAllocated;
  const expectedBytes = Math.ceil(expectedBits / 8);
  // YBR_FULL_422 stores two luma samples per chroma pair: 2/3 of the full size.
  const photometric = text(dataSet, 'x00280004');
  const needed = photometric === 'YBR_FULL_422' ? Math.ceil((expectedBytes * 2) / 3) : expectedBytes;
  if (length >= needed) return null;
  // A size past 2^53 is printed exactly (a header may declare 65535 × 65535 × 2^31 frames).
  const exactBytes = (BigInt(rows) * BigInt(columns) * BigInt(frames) * BigInt(samplesPerPixel) * BigInt(bitsAllocated) + 7n) / 8n;
  const neededText = Number.isSafeInteger(needed) ? String(needed) : String(photometric === 'YBR_FULL_422' ? (exactBytes * 2n + 2n) / 3n : exactBytes);
  return `Pixel Data ${tagLabel(pixelTag)} holds ${length} bytes but ${rows}×${columns}×${frames} frame(s)×${samplesPerPixel} sample(s)×${bitsAllocated} bits needs ${neededText}`;
}
