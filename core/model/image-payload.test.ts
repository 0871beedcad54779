import { describe, expect, it } from 'vitest';
import { assistantImageSchema } from '../contract/assistant';
import { toAssistantImage } from './image-payload';

describe('image payload for the assistant calls', () => {
  it('carries the stored pixels as their typed array, accepted by the contract schema', () => {
    const stored = new Int16Array([-1024, 0, 1, 32767, -32768, 40]);
    const image = toAssistantImage({ kind: 'hu', width: 3, height: 2, data: stored, slope: 1, intercept: -1024 });
    expect(image.dtype).toBe('int16');
    expect(image.pixels).toBe(stored);
    expect(assistantImageSchema.safeParse(image).success).toBe(true);
  });

  it('copies a view into a larger buffer, so only its own pixels travel', () => {
    const backing = new Uint16Array(300_000).map((_, i) => i % 251);
    const view = backing.subarray(7, 7 + 200 * 100);
    const image = toAssistantImage({ kind: 'hu', width: 200, height: 100, data: view });
    expect(image.dtype).toBe('uint16');
    expect(image.pixels).toEqual(view);
    expect(image.pixels.buffer.byteLength).toBe(200 * 100 * 2);
    expect(assistantImageSchema.safeParse(image).success).toBe(true);
  });

  it('drops slope/intercept for 8-bit images', () => {
    const image = toAssistantImage({ kind: 'gray8', width: 2, height: 1, data: new Uint8Array([0, 255]), slope: 2 });
    expect(image).not.toHaveProperty('slope');
    expect(image.dtype).toBe('uint8');
  });
});
