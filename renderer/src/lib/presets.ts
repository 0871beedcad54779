import type { Voi } from '../../../core/imaging/presets';

// The preset table lives in core/imaging/presets.ts, shared with `vesalius render`.
export { wlPresets, type Voi, type WlPreset } from '../../../core/imaging/presets';

/**
 * cornerstone speaks in [lower, upper] ranges; DICOM and radiologists in width/center. The
 * conversion is DICOM's LINEAR VOI function (PS3.3 C.11.2.1.2.1), as cornerstone applies it, so a
 * file's Window Width 400 shows as 400 and a preset round-trips exactly.
 */
export const voiToRange = ({ windowWidth, windowCenter }: Voi): { lower: number; upper: number } => ({
  lower: windowCenter - 0.5 - (windowWidth - 1) / 2,
  upper: windowCenter - 0.5 + (windowWidth - 1) / 2,
});

export const rangeToVoi = ({ lower, upper }: { lower: number; upper: number }): Voi => ({
  windowWidth: Math.abs(upper - lower) + 1,
  windowCenter: (lower + upper + 1) / 2,
});
