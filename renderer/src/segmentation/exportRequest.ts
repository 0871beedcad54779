// The Segments panel's export (masks.export): the request from what the user chose, and the answer in words.
import type { Api } from '../../../core/contract/index';

export type ExportFormat = 'seg' | 'nifti';
type ExportArgs = Parameters<Api['masks.export']>[0];
type ExportAnswer = Extract<Awaited<ReturnType<Api['masks.export']>>, { ok: true }>['value'];

export const EXPORT_FORMATS: readonly { id: ExportFormat; label: string; extension: string }[] = [
  { id: 'seg', label: 'DICOM SEG', extension: '.dcm' },
  { id: 'nifti', label: 'NIfTI (.nii.gz)', extension: '.nii.gz' },
];

const extensionOf = (format: ExportFormat): string => EXPORT_FORMATS.find((f) => f.id === format)?.extension ?? '';

/** A file name for the segmentation (its name, letters, digits, - and _ only) with the format's extension. */
export function exportFileName(name: string, format: ExportFormat): string {
  const stem = name.trim().replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'segmentation';
  return `${stem}${extensionOf(format)}`;
}

/** A file in a folder the picker gave, with the folder's own separator. */
export function inFolder(folder: string, fileName: string): string {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return `${folder.replace(/[\\/]+$/, '')}${separator}${fileName}`;
}

/** The path with the other format's extension swapped for this one's (a path typed for SEG, then NIfTI chosen). */
export function retargetPath(path: string, format: ExportFormat): string {
  for (const other of EXPORT_FORMATS) {
    if (other.id !== format && path.toLowerCase().endsWith(other.extension)) return path.slice(0, path.length - other.extension.length) + extensionOf(format);
  }
  return path;
}

export interface ExportChoice {
  maskSetId: string;
  format: ExportFormat;
  path: string;
  /** The segment numbers ticked, and all the segmentation has. */
  chosen: readonly number[];
  all: readonly number[];
}

/** The masks.export arguments, or what is missing in words. Every segment ticked sends none (the call's "all"). */
export function exportRequest(choice: ExportChoice): { ok: true; args: ExportArgs } | { ok: false; reason: string } {
  const outPath = choice.path.trim();
  if (!outPath) return { ok: false, reason: 'type the path of the file to write' };
  const chosen = choice.all.filter((n) => choice.chosen.includes(n));
  if (chosen.length === 0) return { ok: false, reason: 'choose at least one segment to export' };
  const args: ExportArgs = { maskSetId: choice.maskSetId, format: choice.format, outPath };
  if (chosen.length < choice.all.length) args.segments = chosen;
  return { ok: true, args };
}

/** What was written, for the panel: path, bytes, frames (SEG) and each segment's voxel count by its label. */
export function exportSummary(answer: ExportAnswer, labelOf: (segment: number) => string): string {
  const format = EXPORT_FORMATS.find((f) => f.id === answer.format)?.label ?? answer.format;
  const frames = answer.frameCount === null ? '' : `, ${answer.frameCount} frame${answer.frameCount === 1 ? '' : 's'}`;
  const segments = answer.segments.map((s) => `${labelOf(s.number)}: ${s.voxelCount} voxel${s.voxelCount === 1 ? '' : 's'}`).join('; ');
  return `Wrote ${format} ${answer.path} (version ${answer.version}): ${answer.bytes} bytes${frames}.${segments ? ` ${segments}` : ''}`;
}
