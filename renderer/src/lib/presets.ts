/** A window/level setting in display units (HU for CT). */
export interface Voi {
  windowWidth: number;
  windowCenter: number;
}

export interface WlPreset {
  id: 'default' | 'lung' | 'mediastinum' | 'bone' | 'brain';
  label: string;
  /** Keyboard shortcut, OHIF-style digits. */
  key: string;
  /** null: the file's own VOI (Window Center/Width tags, else the image's range). */
  voi: Voi | null;
}

export const wlPresets: readonly WlPreset[] = [
  { id: 'default', label: 'Default', key: '0', voi: null },
  { id: 'lung', label: 'Lung', key: '1', voi: { windowWidth: 1500, windowCenter: -600 } },
  { id: 'mediastinum', label: 'Mediastinum', key: '2', voi: { windowWidth: 350, windowCenter: 50 } },
  { id: 'bone', label: 'Bone', key: '3', voi: { windowWidth: 2000, windowCenter: 300 } },
  { id: 'brain', label: 'Brain', key: '4', voi: { windowWidth: 80, windowCenter: 40 } },
];

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
