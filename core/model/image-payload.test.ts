import { describe, expect, it } from 'vitest';
import { assistantImageSchema } from '../contract/assistant';
import { bytesToBase64, maskFromBase64, toAssistantImage } from './image-payload';

describe('image payload for the assistant calls', () => {
  it('encodes stored pixels as base64 of their little-endian bytes, accepted by the contract schema', () => {
    const stored = new Int16Array([-1024, 0, 1, 32767, -32768, 40]);
    const image = toAssistantImage({ kind: 'hu', width: 3, height: 2, data: stored, slope: 1, intercept: -1024 });
    expect(image.dtype).toBe('int16');
    expect(new Int16Array(new Uint8Array(Buffer.from(image.pixels, 'base64')).buffer)).toEqual(stored);
    expect(assistantImageSchema.safeParse(image).success).toBe(true);
  });

  it('handles a view into a larger buffer and large images', () => {
    const backing = new Uint8Array(300_000).map((_, i) => i % 251);
    const view = backing.subarray(7, 200_007); // an odd offset, larger than one chunk
    expect(Buffer.from(bytesToBase64(view), 'base64')).toEqual(Buffer.from(view));
  });

  it('drops slope/intercept for 8-bit images and decodes masks', () => {
    const image = toAssistantImage({ kind: 'gray8', width: 2, height: 1, data: new Uint8Array([0, 255]), slope: 2 });
    expect(image).not.toHaveProperty('slope');
    expect(Array.from(maskFromBase64(Buffer.from([0, 1, 1, 0]).toString('base64')))).toEqual([0, 1, 1, 0]);
  });
});
