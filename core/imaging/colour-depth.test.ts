import { describe, expect, it } from 'vitest';
import { greatestSample, sampleTo8Bits } from './colour-depth';

describe('colour samples deeper than 8 bits → 8 bits, scaled by Bits Stored', () => {
  it('maps 0 … 2^bits − 1 onto 0 … 255 linearly, rounding to the nearest', () => {
    const max32 = greatestSample(32);
    expect(max32).toBe(4294967295);
    expect(sampleTo8Bits(0, max32)).toBe(0);
    expect(sampleTo8Bits(max32, max32)).toBe(255);
    // (2³² − 1) / 255 = 16843009 exactly: level × 16843009 is level
    for (const level of [1, 64, 127, 128, 200, 254]) expect(sampleTo8Bits(level * 16843009, max32)).toBe(level);
    // 2³¹ is 127.50000003 × 16843009: rounds up
    expect(sampleTo8Bits(2 ** 31, max32)).toBe(128);
    expect(sampleTo8Bits(2 ** 31 - 1, max32)).toBe(127); // 127.49999997
  });

  it('scales by the bits stored, not by the values present: the top of a 12-bit range is white, of a 16-bit range a sixteenth', () => {
    expect(sampleTo8Bits(4095, greatestSample(12))).toBe(255);
    expect(sampleTo8Bits(4095, greatestSample(16))).toBe(16); // 4095 × 255 / 65535 = 15.93
    expect(sampleTo8Bits(2048, greatestSample(12))).toBe(128); // 127.53
  });

  it('clamps what lies outside the range (a YBR conversion overshooting)', () => {
    expect(sampleTo8Bits(-40, 255)).toBe(0);
    expect(sampleTo8Bits(300, 255)).toBe(255);
    expect(sampleTo8Bits(2 ** 33, greatestSample(32))).toBe(255);
  });
});
