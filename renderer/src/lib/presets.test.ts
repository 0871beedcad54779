import { describe, expect, it } from 'vitest';
import { rangeToVoi, voiToRange, wlPresets } from './presets';

describe('window/level conversion', () => {
  it('uses the DICOM linear function: W 400 / L 40 maps -160..239 onto the grey ramp', () => {
    expect(voiToRange({ windowWidth: 400, windowCenter: 40 })).toEqual({ lower: -160, upper: 239 });
  });

  it('round-trips every preset exactly', () => {
    for (const preset of wlPresets) {
      if (preset.voi) expect(rangeToVoi(voiToRange(preset.voi))).toEqual(preset.voi);
    }
  });

  it('offers the radiology presets with their usual values', () => {
    const byId = Object.fromEntries(wlPresets.map((p) => [p.id, p.voi]));
    expect(byId.lung).toEqual({ windowWidth: 1500, windowCenter: -600 });
    expect(byId.mediastinum).toEqual({ windowWidth: 350, windowCenter: 50 });
    expect(byId.brain).toEqual({ windowWidth: 80, windowCenter: 40 });
    expect(byId.default).toBeNull();
  });
});
