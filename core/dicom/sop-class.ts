/**
 * SOP classes that are not images for the stack viewer, with the reason shown to the user.
 * They are reported per file (code `not_an_image`) instead of being silently dropped.
 */
const nonImageByUid: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.66.4': 'DICOM SEG (segmentation): open it as a mask over its source series, not as an image',
  '1.2.840.10008.5.1.4.1.1.66.7': 'DICOM Label Map SEG (segmentation): open it as a mask over its source series, not as an image',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set (contours), not an image',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan, not an image',
  '1.2.840.10008.5.1.4.1.1.481.8': 'RT Ion Plan, not an image',
  '1.2.840.10008.5.1.4.1.1.481.4': 'RT Beams Treatment Record, not an image',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data object, not an image',
  '1.2.840.10008.5.1.4.1.1.66.1': 'Spatial Registration object, not an image',
  '1.2.840.10008.5.1.4.1.1.66.3': 'Deformable Spatial Registration object, not an image',
  '1.2.840.10008.5.1.4.1.1.91.1': 'Microscopy Bulk Simple Annotations, not an image',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF, not an image',
  '1.2.840.10008.5.1.4.1.1.104.2': 'Encapsulated CDA, not an image',
  '1.2.840.10008.1.3.10': 'DICOMDIR (media directory index); the files it lists are indexed on their own',
};

/** Prefixes of families of non-image classes (structured reports, presentation states, waveforms). */
const nonImagePrefixes: Array<[string, string]> = [
  ['1.2.840.10008.5.1.4.1.1.88.', 'Structured Report (SR), not an image'],
  ['1.2.840.10008.5.1.4.1.1.11.', 'Presentation State, not an image'],
  ['1.2.840.10008.5.1.4.1.1.9.', 'Waveform (e.g. ECG), not an image'],
];

/** Why this SOP class is not shown as an image, or null when it is (or may be) an image. */
export function nonImageReason(sopClassUid: string): string | null {
  const exact = nonImageByUid[sopClassUid];
  if (exact) return exact;
  for (const [prefix, reason] of nonImagePrefixes) if (sopClassUid.startsWith(prefix)) return reason;
  return null;
}

/** A short human name for a SOP class, for messages about files without pixel data. */
export function sopClassLabel(sopClassUid: string): string {
  return nonImageReason(sopClassUid)?.split(/[,:(]/)[0].trim() ?? (sopClassUid || 'unknown SOP class');
}
