import { describe, expect, it } from 'vitest';
import { exportFileName, exportRequest, exportSummary, inFolder, retargetPath } from './exportRequest';

describe('segmentation export request', () => {
  const base = { maskSetId: 'seg-0123456789abcdef', format: 'seg' as const, path: ' /tmp/out.dcm ', all: [1, 2, 3] };

  it('sends every segment as none named, a subset by number, and refuses an empty path or no segment in words', () => {
    expect(exportRequest({ ...base, chosen: [3, 1, 2] })).toEqual({ ok: true, args: { maskSetId: base.maskSetId, format: 'seg', outPath: '/tmp/out.dcm' } });
    expect(exportRequest({ ...base, chosen: [3, 1] })).toEqual({ ok: true, args: { maskSetId: base.maskSetId, format: 'seg', outPath: '/tmp/out.dcm', segments: [1, 3] } });
    expect(exportRequest({ ...base, path: '  ', chosen: [1] })).toEqual({ ok: false, reason: 'type the path of the file to write' });
    expect(exportRequest({ ...base, chosen: [7] })).toEqual({ ok: false, reason: 'choose at least one segment to export' });
  });

  it('names the file after the segmentation and keeps the extension with the format', () => {
    expect(exportFileName('Drawn segmentation 1', 'seg')).toBe('Drawn_segmentation_1.dcm');
    expect(exportFileName(' ../..', 'nifti')).toBe('segmentation.nii.gz');
    expect(inFolder('/data/out/', 'a.dcm')).toBe('/data/out/a.dcm');
    expect(inFolder('C:\\masks', 'a.dcm')).toBe('C:\\masks\\a.dcm');
    expect(retargetPath('/x/a.dcm', 'nifti')).toBe('/x/a.nii.gz');
    expect(retargetPath('/x/a.NII.GZ', 'seg')).toBe('/x/a.dcm');
    expect(retargetPath('/x/a.seg', 'nifti')).toBe('/x/a.seg');
  });

  it('says the path, bytes, frames and voxels per segment label', () => {
    const answer = { path: '/tmp/out.dcm', format: 'seg' as const, bytes: 2048, version: 3, segments: [{ number: 2, fileNumber: 1, voxelCount: 1 }, { number: 5, fileNumber: 2, voxelCount: 40 }], sopInstanceUid: '1.2', seriesInstanceUid: '1.3', frameCount: 4 };
    expect(exportSummary(answer, (n) => `S${n}`)).toBe('Wrote DICOM SEG /tmp/out.dcm (version 3): 2048 bytes, 4 frames. S2: 1 voxel; S5: 40 voxels');
    expect(exportSummary({ ...answer, format: 'nifti', frameCount: null, segments: [] }, String)).toBe('Wrote NIfTI (.nii.gz) /tmp/out.dcm (version 3): 2048 bytes.');
  });
});
