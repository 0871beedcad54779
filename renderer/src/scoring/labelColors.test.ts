import { describe, expect, it } from 'vitest';
import { labelColor, segmentColor } from './labelColors';

describe('segmentColor', () => {
  it("uses the segment's own colour (a SEG's GREEN is green) and the palette for a label it does not define", () => {
    const info = { segments: [{ number: 1, label: 'GREEN', color: [0, 255, 0] as [number, number, number] }] };
    expect(segmentColor(info, 1)).toEqual([0, 255, 0]);
    expect(segmentColor(info, 2)).toEqual(labelColor(2));
  });
});
