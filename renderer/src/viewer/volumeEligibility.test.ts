import { describe, expect, it } from 'vitest';
import { MIN_VOLUME_SLICES, slicesOfFrames, volumeEligibility, type SliceGeometry, type VolumeFrame } from './volumeEligibility';
import { layoutChoices, layoutPanes, isLayout } from './layout';

const AXIAL = [1, 0, 0, 0, 1, 0];
const SAGITTAL = [0, 1, 0, 0, 0, -1];

/** `count` slices of `orientation` stepping `stepMm` along `direction` from `origin`. */
function stack(count: number, orientation = AXIAL, direction: [number, number, number] = [0, 0, 1], stepMm = 2.5, origin = [-10, -20, 30]): SliceGeometry[] {
  return Array.from({ length: count }, (_, k) => ({
    name: `slice-${k + 1}.dcm`,
    rows: 64,
    columns: 48,
    imageOrientationPatient: orientation,
    imagePositionPatient: origin.map((o, axis) => o + direction[axis] * stepMm * k),
  }));
}

const reasonOf = (slices: SliceGeometry[]): string => {
  const result = volumeEligibility(slices);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
};

describe('volumeEligibility', () => {
  it('takes an axial stack: dimensions [columns, rows, slices] and the step along the normal', () => {
    const result = volumeEligibility(stack(10));
    expect(result).toEqual({ ok: true, shape: { dimensions: [48, 64, 10], sliceStepMm: 2.5 } });
  });

  it('takes a sagittal stack, whose normal is −x (row [0 1 0] × column [0 0 −1])', () => {
    const result = volumeEligibility(stack(6, SAGITTAL, [-1, 0, 0], 3));
    expect(result.ok && result.shape.sliceStepMm).toBeCloseTo(3, 9);
  });

  it('takes an oblique stack stepping along its own normal', () => {
    const c = Math.cos(0.5);
    const s = Math.sin(0.5);
    const oblique = [c, s, 0, -s * 0.8, c * 0.8, 0.6];
    // normal = row × column
    const normal: [number, number, number] = [s * 0.6, -c * 0.6, c * c * 0.8 + s * s * 0.8];
    expect(volumeEligibility(stack(5, oblique, normal, 2)).ok).toBe(true);
  });

  it('refuses one image, naming the count', () => {
    expect(reasonOf(stack(1))).toBe(`a volume needs at least ${MIN_VOLUME_SLICES} slices, and this series has one image`);
  });

  it('refuses images of differing sizes', () => {
    const slices = stack(4);
    slices[2] = { ...slices[2], rows: 32 };
    expect(reasonOf(slices)).toContain('differ in size (slice-1.dcm is 48×64, slice-3.dcm 48×32)');
  });

  it('refuses a slice in another orientation', () => {
    const slices = stack(4);
    slices[3] = { ...slices[3], imageOrientationPatient: SAGITTAL };
    expect(reasonOf(slices)).toBe('its images are not all in one orientation (slice-4.dcm differs from slice-1.dcm)');
  });

  it('refuses a slice without a position', () => {
    const slices = stack(4);
    slices[1] = { ...slices[1], imagePositionPatient: null };
    expect(reasonOf(slices)).toContain('slice-2.dcm has no ImagePositionPatient');
  });

  it('refuses two slices at one position and slices out of position order', () => {
    const same = stack(4);
    same[2] = { ...same[2], imagePositionPatient: same[1].imagePositionPatient };
    expect(reasonOf(same)).toContain('slice-2.dcm and slice-3.dcm lie at the same position');
    const swapped = stack(4);
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(reasonOf(swapped)).toContain('not in position order');
  });

  it('refuses uneven spacing (a missing slice) and accepts DS rounding', () => {
    const gap = stack(6).filter((_, k) => k !== 3);
    expect(reasonOf(gap)).toMatch(/slice spacing is uneven \(5 mm between slice-3\.dcm and slice-5\.dcm, 2\.5 mm elsewhere\)/);
    const rounded = stack(6, AXIAL, [0, 0, 1], 0.625).map((s) => ({ ...s, imagePositionPatient: s.imagePositionPatient!.map((v) => Number(v.toFixed(3))) }));
    expect(volumeEligibility(rounded).ok).toBe(true);
  });

  it('refuses a gantry-tilted stack (positions drift sideways), naming the angle', () => {
    const tilt = (15 * Math.PI) / 180;
    const tilted = stack(5, AXIAL, [0, Math.sin(tilt), Math.cos(tilt)]);
    expect(reasonOf(tilted)).toMatch(/drift sideways as they advance \(a tilt of 15\.0° at slice-2\.dcm\)/);
  });

  it('refuses a volume over the size cap', () => {
    const huge = stack(3).map((s) => ({ ...s, rows: 40_000, columns: 20_000 }));
    expect(reasonOf(huge)).toBe('its volume of 20000 × 40000 × 3 voxels would take more than the 2 GiB the views may use');
  });
});

describe('slicesOfFrames', () => {
  const instance = { path: '/data/ct/multi.dcm', rows: 8, columns: 8, imageOrientationPatient: AXIAL, imagePositionPatient: [0, 0, 0] };

  it('takes single-frame planes from the catalog and frame planes from the lookup', () => {
    const frames: VolumeFrame[] = [1, 2, 3].map((frame) => ({ imageId: `wadouri:x?frame=${frame}`, frame, instance }));
    const slices = slicesOfFrames(frames, (imageId) => ({ imageOrientationPatient: AXIAL, imagePositionPatient: [0, 0, Number(imageId.slice(-1)) * 2] }));
    expect(Array.isArray(slices) && slices.map((s) => [s.name, s.imagePositionPatient![2]])).toEqual([
      ['frame 1 of multi.dcm', 2],
      ['frame 2 of multi.dcm', 4],
      ['frame 3 of multi.dcm', 6],
    ]);
  });

  it('refuses a multi-frame image without per-frame positions', () => {
    const frames: VolumeFrame[] = [1, 2, 3].map((frame) => ({ imageId: `wadouri:x?frame=${frame}`, frame, instance }));
    const result = slicesOfFrames(frames, () => null);
    expect(result).toEqual({ reason: expect.stringContaining('frame 1 of multi.dcm is a frame of a multi-frame image without a position of its own') });
  });

  it('passes a single-frame image without a position on, for volumeEligibility to name', () => {
    const slices = slicesOfFrames([{ imageId: 'a', frame: null, instance: { ...instance, path: '/x/a.dcm', imagePositionPatient: null } }], () => null);
    expect(Array.isArray(slices) && slices[0]).toMatchObject({ name: 'a.dcm', imagePositionPatient: null });
  });
});

describe('layouts', () => {
  it('1×1 shows the stack only, 1×3 the volume views only, 2×2 both', () => {
    expect(layoutPanes('1x1')).toEqual({ stack: true, mpr: false });
    expect(layoutPanes('1x3')).toEqual({ stack: false, mpr: true });
    expect(layoutPanes('2x2')).toEqual({ stack: true, mpr: true });
  });

  it('offers each layout once, and knows its ids', () => {
    expect(layoutChoices.map((c) => c.id)).toEqual(['1x1', '1x3', '2x2']);
    expect(isLayout('2x2')).toBe(true);
    expect(isLayout('3x3')).toBe(false);
  });
});
