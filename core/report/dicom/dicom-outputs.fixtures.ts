// For tests: a generated CT study with a SEG written over it, as the report's DICOM outputs reference them.
import path from 'node:path';
import type { Provenance } from '../../annotations/model';
import type { Series } from '../../contract/dicom';
import { stackVolumeGeometry } from '../../geometry/stack-geometry';
import type { VolumeGeometry } from '../../geometry/patient-space';
import { encodeDicomSeg, type SegSource, type SegWriteResult } from '../../masks/seg-writer';
import { overlappingContent, testPlanes, writeSourceSeries } from '../../masks/seg-writer.fixtures';
import { segSourceOfSeries } from '../../masks/seg-writer-source';

export interface ReportStudy {
  series: Series;
  source: SegSource;
  seg: SegWriteResult;
  segBytesPath: string;
  /** The geometry of image z (k = 0 on it). */
  planeOf: (z: number) => VolumeGeometry;
}

const annotator: Provenance = { role: 'annotator', author: 'Ann Otator', origin: { kind: 'drawn' } };

/** Writes an oblique 5-slice CT series under `dir` and a SEG of three overlapping segments over it. */
export async function writeReportStudy(dir: string, write: (name: string, bytes: Uint8Array) => Promise<string>): Promise<ReportStudy> {
  const series = await writeSourceSeries(path.join(dir, 'ct'), { columns: 8, rows: 6, slices: 5, ...testPlanes.oblique });
  const source = await segSourceOfSeries(series);
  const seg = encodeDicomSeg({ source, content: overlappingContent([8, 6, 5]), provenance: annotator, versionNumber: 1, name: 'lesions' });
  const segBytesPath = await write('seg.dcm', seg.bytes);
  const planeOf = (z: number): VolumeGeometry => {
    const at = source.frames[z].positionMm;
    const placed = stackVolumeGeometry({ orientation: source.orientation, firstPositionMm: at, lastPositionMm: at, sliceCount: 1, pixelSpacingMm: source.pixelSpacingMm });
    if (!placed.ok) throw new Error(placed.reason);
    return placed.geometry;
  };
  return { series, source, seg, segBytesPath, planeOf };
}
