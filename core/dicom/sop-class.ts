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

const imageClassNames: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.1': 'CR Image',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image',
  '1.2.840.10008.5.1.4.1.1.1.2': 'Digital Mammography Image',
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image',
  '1.2.840.10008.5.1.4.1.1.3.1': 'Ultrasound Multi-frame Image',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image',
  '1.2.840.10008.5.1.4.1.1.6.1': 'Ultrasound Image',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image',
  '1.2.840.10008.5.1.4.1.1.12.1': 'X-Ray Angiographic Image',
  '1.2.840.10008.5.1.4.1.1.20': 'Nuclear Medicine Image',
  '1.2.840.10008.5.1.4.1.1.30': 'Parametric Map',
  '1.2.840.10008.5.1.4.1.1.67': 'Real World Value Mapping',
  '1.2.840.10008.5.1.4.1.1.77.1.6': 'VL Whole Slide Microscopy Image',
  '1.2.840.10008.5.1.4.1.1.128': 'PET Image',
  '1.2.840.10008.5.1.4.1.1.481.1': 'RT Image',
  '1.2.840.10008.5.1.4.1.1.481.2': 'RT Dose',
};

/** A short human name for a SOP class, for messages about files without pixel data. */
export function sopClassLabel(sopClassUid: string): string {
  const known = imageClassNames[sopClassUid];
  if (known) return `${known} (${sopClassUid})`;
  return nonImageReason(sopClassUid)?.split(/[,:(]/)[0].trim() ?? (sopClassUid ? `SOP class ${sopClassUid}` : 'no SOP Class UID');
}
