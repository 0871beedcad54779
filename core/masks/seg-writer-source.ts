// The source series of a SEG export as the writer needs it: the catalog's images in canonical order,
// plus what only the files carry (pixel spacing, frame of reference, the patient and study modules).
import type { DataSet } from 'dicom-parser';
import type { Instance, Series } from '../contract/dicom';
import { isDicomUid } from '../contract/primitives';
import { closeSoon, fileSizeOf, openForRead, rangeReaderOf, readAt } from '../dicom/file-io';
import { decimalValues } from '../dicom/numeric-strings';
import type { NaturalDataset } from '../dicom/dcmjs-api';
import { parserWords } from '../dicom/parser-words';
import { patientStudyOf } from '../dicom/patient-study';
import { DEFAULT_PREFIX_BYTES, readHeader } from '../dicom/read-header';
import { imagePlane, sameOrientation } from '../geometry/image-plane';
import { imagesOfFrames } from '../geometry/slice-order';
import { toVec3 } from '../geometry/vec3';
import { ioErrorText } from '../fs/io-error';
import type { SegSource, SegSourceFrame } from './seg-writer';
import { SegWriteError } from './seg-writer-error';

async function readImageHeader(filePath: string): Promise<DataSet> {
  let fd: number;
  try {
    fd = await openForRead(filePath);
  } catch (e) {
    throw new SegWriteError(`source image ${filePath}: cannot open (${ioErrorText(e)})`);
  }
  try {
    const size = await fileSizeOf(fd);
    const header = await readHeader(rangeReaderOf(fd), await readAt(fd, 0, DEFAULT_PREFIX_BYTES), size);
    if (!header.ok) throw new SegWriteError(`source image ${filePath}: ${header.reason}`);
    return header.dataSet;
  } catch (e) {
    if (e instanceof SegWriteError) throw e;
    throw new SegWriteError(`source image ${filePath}: the header cannot be read (${parserWords(e)})`);
  } finally {
    closeSoon(fd);
  }
}

/**
 * The patient and study a study's image files itself under (for a report PDF or SR that needs no
 * image geometry). Throws SegWriteError naming the file when it cannot be read or has no StudyInstanceUID.
 */
export async function patientStudyOfImage(filePath: string): Promise<NaturalDataset> {
  const patientStudy = patientStudyOf(await readImageHeader(filePath));
  if (!patientStudy.StudyInstanceUID) throw new SegWriteError(`source image ${filePath} has no StudyInstanceUID`);
  return patientStudy;
}

const numbersOf = (dataSet: DataSet | null | undefined, tag: string): number[] | null => {
  const text = dataSet?.elements[tag] ? dataSet.string(tag) : undefined;
  return text ? decimalValues(text) : null;
};
const firstItem = (dataSet: DataSet | null | undefined, tag: string): DataSet | null => dataSet?.elements[tag]?.items?.[0]?.dataSet ?? null;

/** Per-frame positions of a multi-frame source (PerFrameFunctionalGroupsSequence → PlanePositionSequence). */
function framePositions(dataSet: DataSet, image: Instance): number[][] {
  const items = dataSet.elements.x52009230?.items ?? [];
  if (items.length !== image.numberOfFrames) {
    throw new SegWriteError(`source image ${image.path}: ${image.numberOfFrames} frames but ${items.length} per-frame functional group items, so its frames cannot be placed`);
  }
  return items.map((item, f) => {
    const position = numbersOf(firstItem(item.dataSet, 'x00209113'), 'x00200032');
    if (!position || position.length !== 3) throw new SegWriteError(`source image ${image.path}: frame ${f + 1} has no ImagePositionPatient (PlanePositionSequence)`);
    return position;
  });
}

/** Spacing and orientation of a multi-frame image sit in its shared (or first per-frame) functional groups. */
function groupValue(dataSet: DataSet, sequenceTag: string, tag: string): number[] | null {
  const shared = firstItem(firstItem(dataSet, 'x52009229'), sequenceTag);
  const perFrame = firstItem(dataSet.elements.x52009230?.items?.[0]?.dataSet, sequenceTag);
  return numbersOf(shared, tag) ?? numbersOf(perFrame, tag) ?? numbersOf(dataSet, tag);
}

/**
 * Reads the series' first image header (and each multi-frame image's, for its frame positions) and
 * pairs every z of the canonical frame list with its image and frame. Throws SegWriteError naming the
 * file and the missing attribute when the series cannot carry a SEG (no orientation, no spacing, …).
 */
export async function segSourceOfSeries(series: Series): Promise<SegSource> {
  const description = `series ${series.seriesInstanceUid}`;
  if (!isDicomUid(series.seriesInstanceUid)) throw new SegWriteError(`${description} has no SeriesInstanceUID of its own (a derived key), and a SEG must reference its series by UID`);
  const resolved = imagesOfFrames(series.frames, series.instances);
  if (!resolved.ok) throw new SegWriteError(`${description}: the frame list is broken (${resolved.reason})`);
  const images = resolved.images;
  const first = images[0];
  if (!first) throw new SegWriteError(`${description} has no images`);
  const odd = images.find((i) => i.rows !== first.rows || i.columns !== first.columns);
  if (odd) throw new SegWriteError(`${description} mixes image sizes (${first.columns}×${first.rows} and ${odd.columns}×${odd.rows}); one SEG cannot cover it`);

  const header = await readImageHeader(first.path);
  const patientStudy = patientStudyOf(header);
  if (!patientStudy.StudyInstanceUID) throw new SegWriteError(`source image ${first.path} has no StudyInstanceUID`);
  const frameOfReferenceUid = header.string('x00200052') || null;
  const orientation = first.imageOrientationPatient ?? groupValue(header, 'x00209116', 'x00200037');
  // A single projection image (CR, DX) has no plane in patient space: its SEG has no plane groups.
  const projection = !orientation && images.length === 1 && !first.imagePositionPatient;
  if (!projection) {
    const plane = imagePlane({ orientation });
    if (!plane.ok) throw new SegWriteError(`source image ${first.path}: ${plane.reason}; a SEG frame on a cross-section needs an orientation`);
    if (!frameOfReferenceUid) throw new SegWriteError(`source image ${first.path} has no FrameOfReferenceUID (0020,0052); a SEG of cross-sections must share its images' frame of reference`);
  }
  const spacing = groupValue(header, 'x00289110', 'x00280030');
  const pixelSpacing = spacing && spacing.length === 2 && spacing.every((v) => v > 0) ? spacing : null;
  if (!pixelSpacing && !projection) throw new SegWriteError(`source image ${first.path} has no usable PixelSpacing (0028,0030); a SEG of cross-sections needs its images' pixel size`);
  const thickness = groupValue(header, 'x00289110', 'x00180050')?.[0] ?? null;

  const multiFramePositions = new Map<string, number[][]>();
  for (const image of new Set(images)) {
    if (image.numberOfFrames > 1) multiFramePositions.set(image.fileKey, framePositions(image === first ? header : await readImageHeader(image.path), image));
  }
  const frames: SegSourceFrame[] = series.frames.map((ref, z) => {
    const image = images[z];
    if (projection) return { sopClassUid: image.sopClassUid, sopInstanceUid: image.sopInstanceUid, frameNumber: null, positionMm: null };
    if (image.imageOrientationPatient && !sameOrientation(image.imageOrientationPatient, orientation!)) {
      throw new SegWriteError(`${description}: image ${image.path} lies on a differently oriented plane from ${first.path}; one SEG needs one orientation`);
    }
    const position = ref.frame !== null && multiFramePositions.has(image.fileKey) ? toVec3(multiFramePositions.get(image.fileKey)![ref.frame - 1]) : toVec3(image.imagePositionPatient);
    if (!position) throw new SegWriteError(`${description}: image ${image.path} has no ImagePositionPatient, so its SEG frame cannot be placed`);
    return { sopClassUid: image.sopClassUid, sopInstanceUid: image.sopInstanceUid, frameNumber: image.numberOfFrames > 1 ? ref.frame : null, positionMm: position };
  });
  return {
    description,
    seriesInstanceUid: series.seriesInstanceUid,
    frameOfReferenceUid,
    ...(projection && header.string('x00200020') ? { patientOrientation: header.string('x00200020')!.split('\\') } : {}),
    rows: first.rows,
    columns: first.columns,
    orientation: projection ? null : orientation!,
    pixelSpacingMm: pixelSpacing ? [pixelSpacing[0], pixelSpacing[1]] : null,
    sliceThicknessMm: thickness,
    frames,
    patientStudy,
  };
}
