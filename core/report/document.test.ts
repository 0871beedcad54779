import { describe, expect, it } from 'vitest';
import { keyImageCaption } from './document';
import { keyImageIdentity, reportContentProblem, reportContentSchema } from './model';

const base = { caption: 'lesion', series: 'Series 2 Thorax (CT)', sopInstanceUid: '1.2.3.4', frame: 1, window: { center: 40, width: 400 } };

describe('keyImageCaption', () => {
  it('says the stack image (SOP instance, frame) and its slice where recorded, and the W/L', () => {
    expect(keyImageCaption({ ...base, view: 'stack', slice: { number: 12, count: 40 } })).toBe('lesion · Series 2 Thorax (CT) · stack slice 12 of 40 · image 1.2.3.4 frame 1 · W/L 400/40');
    // A key image saved before views were recorded reads as it did.
    expect(keyImageCaption(base)).toBe('lesion · Series 2 Thorax (CT) · image 1.2.3.4 frame 1 · W/L 400/40');
  });

  it('says the volume view and slice for an MPR key image (not an acquired image)', () => {
    expect(keyImageCaption({ ...base, caption: '', view: 'sagittal', slice: { number: 120, count: 256 }, window: { center: -600, width: 1500 } })).toBe('Series 2 Thorax (CT) · Sagittal view (volume) slice 120 of 256 · W/L 1500/-600');
  });
});

describe('key image identity', () => {
  const stack = { seriesKey: '1.2.3', sopInstanceUid: '1.2.3.4' };
  it('is the frame in the stack, the view and slice in a volume view; older key images parse as stack ones', () => {
    const parsed = reportContentSchema.parse({ keyImages: [stack, { ...stack, view: 'axial', slice: { number: 5, count: 40 } }, { ...stack, view: 'coronal', slice: { number: 5, count: 512 } }] });
    expect(parsed.keyImages.map(keyImageIdentity)).toEqual(['1.2.3.4#1', 'axial#5', 'coronal#5']);
    expect(parsed.keyImages[0]).toMatchObject({ view: 'stack', slice: null });
    expect(reportContentProblem(parsed)).toBeNull();
  });

  it('refuses the same view and slice twice, naming it', () => {
    const twice = reportContentSchema.parse({ keyImages: [1, 2].map(() => ({ ...stack, view: 'sagittal', slice: { number: 9, count: 256 } })) });
    expect(reportContentProblem(twice)).toBe('key image sagittal slice 9 is listed twice');
  });
});
