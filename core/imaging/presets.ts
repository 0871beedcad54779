// The window/level presets, one table for the viewer (renderer/src/lib/presets.ts re-exports it) and
// `vesalius render --preset`, so a preset shows the same on screen and in an exported PNG.

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
