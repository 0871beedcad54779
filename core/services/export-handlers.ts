// masks.export: a stored segmentation written as DICOM SEG or NIfTI to a path the user chose, audited.
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Series } from '../contract/dicom';
import type { maskCalls } from '../contract/masks';
import { err, ok, type Result } from '../contract/result';
import { ioErrorText } from '../fs/io-error';
import { encodeNiftiLabels, NiftiWriteError } from '../masks/nifti-writer';
import { encodeDicomSeg, SegWriteError, type SegSource } from '../masks/seg-writer';
import type { DomainHandlers } from './context';
import { apiErrorOf, type MaskStore } from './mask-store';

export type ExportCallName = 'masks.export';

export interface ExportHandlerDeps {
  masks: MaskStore;
  /** The catalog's series with this key, or null when its images are not imported. */
  findSeries: (seriesKey: string) => Series | null;
  /** Refuses an output path outside what the user granted (the catalog's checkGranted); tests may leave it out. */
  checkPath?: (path: string) => Result<string>;
  defaultAuthor: string;
  /**
   * The source-image headers the file copies from, read on a reader thread (ReaderSandbox.segSource);
   * unit tests may pass segSourceOfSeries itself. Throws SegWriteError on a series that cannot carry it.
   */
  segSource: (series: Series) => Promise<SegSource>;
}

/** Writes next to the target and renames, so a failed export never leaves half a file under the chosen name. */
export async function writeWhole(target: string, bytes: Uint8Array): Promise<void> {
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  try {
    await writeFile(partial, bytes);
    await rename(partial, target);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}

export function createExportHandlers(deps: ExportHandlerDeps): DomainHandlers<Pick<typeof maskCalls, ExportCallName>> {
  return {
    'masks.export': async ({ maskSetId, format, outPath, segments, author }) => {
      const granted = deps.checkPath?.(outPath);
      if (granted && !granted.ok) return err('forbidden', `masks.export: ${granted.error.message}`);
      const target = granted?.ok ? granted.value : path.resolve(outPath);
      const existing = await stat(target).catch(() => null);
      if (existing?.isDirectory()) return err('bad_input', `masks.export: ${target} is a folder; give the file to write`);

      const loaded = deps.masks.handle.use((store) => store.load(maskSetId));
      if (!loaded.ok) return apiErrorOf(loaded.error);
      const { record, version, content } = loaded.value;
      if (record.deletedAt !== null) return err('not_found', `masks.export: segmentation ${maskSetId} was deleted`);
      const series = deps.findSeries(record.seriesKey);
      if (!series) return err('bad_input', `masks.export: the images of series ${record.seriesKey} are not in the catalog; import them first (an export references them)`);

      let bytes: Buffer;
      let written: { number: number; fileNumber: number }[];
      let seg: { sopInstanceUid: string; seriesInstanceUid: string; frameCount: number } | null = null;
      try {
        const source = await deps.segSource(series);
        if (format === 'seg') {
          const result = encodeDicomSeg({ source, content, provenance: record.provenance, versionNumber: version.number, name: record.name, ...(segments ? { segmentNumbers: segments } : {}) });
          bytes = result.bytes;
          written = [...result.segmentNumberMap].map(([number, fileNumber]) => ({ number, fileNumber }));
          seg = result;
        } else {
          const result = encodeNiftiLabels({ source, content, name: record.name, ...(segments ? { segmentNumbers: segments } : {}) });
          bytes = result.bytes;
          written = [...result.voxelCounts.keys()].map((number) => ({ number, fileNumber: number }));
        }
      } catch (e) {
        if (e instanceof SegWriteError || e instanceof NiftiWriteError) return err('bad_input', `masks.export: segmentation ${maskSetId} (${record.name}): ${e.message}`);
        throw e;
      }
      try {
        await writeWhole(target, bytes);
      } catch (e) {
        return err('io_error', `masks.export: cannot write ${target}: ${ioErrorText(e)}`);
      }
      const audited = deps.masks.handle.use((store) => store.recordExport(maskSetId, author ?? deps.defaultAuthor, `${format === 'seg' ? 'DICOM SEG' : 'NIfTI'} ${target}`));
      if (!audited.ok) return apiErrorOf(audited.error);
      return ok({
        path: target,
        format,
        bytes: bytes.length,
        version: version.number,
        segments: written.map((s) => ({ ...s, voxelCount: version.voxelCounts[s.number] ?? 0 })),
        sopInstanceUid: seg?.sopInstanceUid ?? null,
        seriesInstanceUid: seg?.seriesInstanceUid ?? null,
        frameCount: seg?.frameCount ?? null,
      });
    },
  };
}
