import { HEADER_CODE_MAX, HEADER_TEXT_MAX, type AssistantImage, type ImageHeader } from '../../../core/contract/assistant';

/**
 * The DICOM header tags the model reads (core/model/header-facts.ts) for one cornerstone image, from its metadata
 * providers: the parsed instance (`naturalized`, keyed by DICOM keyword) when there is one, else the standard
 * modules (generalSeriesModule's modality, imagePlaneModule's orientation). Values go as the file states them,
 * cut to the contract's lengths; an absent or malformed tag is left out (the rule then says `<unk>`).
 * Takes the lookup (cornerstone's `metaData.get`) so it stays free of cornerstone and testable in Node.
 */
export type MetadataLookup = (type: string, imageId: string) => unknown;

const NATURALIZED = 'naturalized';

/** A string tag's value: the first value of a multi-valued one; nothing for empty or non-text values. */
function textOf(value: unknown, max: number): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'string' && typeof first !== 'number') return undefined;
  const text = String(first);
  return text.length > 0 ? text.slice(0, max) : undefined;
}

/** Six finite direction cosines (numbers or decimal strings as a parser may leave them), else nothing. */
function orientationOf(value: unknown): number[] | undefined {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return undefined;
  const numbers = Array.from(value as ArrayLike<unknown>, (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v));
  return numbers.length === 6 && numbers.every((n): n is number => typeof n === 'number' && Number.isFinite(n)) ? numbers : undefined;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

export function headerTagsOf(lookup: MetadataLookup, imageId: string): ImageHeader {
  const natural = record(lookup(NATURALIZED, imageId));
  const series = record(lookup('generalSeriesModule', imageId));
  const plane = record(lookup('imagePlaneModule', imageId));
  const candidates: ImageHeader = {
    modality: textOf(natural?.Modality ?? series?.modality, HEADER_CODE_MAX),
    bodyPartExamined: textOf(natural?.BodyPartExamined, HEADER_TEXT_MAX),
    // A plane module filled with defaults (no orientation in the file) states no plane.
    imageOrientationPatient: orientationOf(natural?.ImageOrientationPatient ?? (plane?.usingDefaultValues === true ? undefined : plane?.imageOrientationPatient)),
    contrastBolusAgent: textOf(natural?.ContrastBolusAgent, HEADER_TEXT_MAX),
    studyDescription: textOf(natural?.StudyDescription, HEADER_TEXT_MAX),
    seriesDescription: textOf(natural?.SeriesDescription, HEADER_TEXT_MAX),
  };
  const header: ImageHeader = {};
  for (const [key, value] of Object.entries(candidates) as [keyof ImageHeader, ImageHeader[keyof ImageHeader]][]) {
    if (value !== undefined) (header as Record<string, unknown>)[key] = value;
  }
  return header;
}

/** The assistant image with its header tags, when the image has any (a PNG/JPEG has none). */
export function withHeaderTags(image: AssistantImage, lookup: MetadataLookup, imageId: string): AssistantImage {
  const header = headerTagsOf(lookup, imageId);
  return Object.keys(header).length > 0 ? { ...image, header } : image;
}
