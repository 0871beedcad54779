import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64';

describe('base64 of typed-array bytes', () => {
  it('agrees with Node Buffer both ways, for a view at an odd offset longer than one chunk', () => {
    const backing = new Uint8Array(70_001).map((_, i) => (i * 7) % 256);
    const view = backing.subarray(3, 70_000);
    const encoded = bytesToBase64(view);
    expect(encoded).toBe(Buffer.from(view).toString('base64'));
    expect(base64ToBytes(encoded)).toEqual(new Uint8Array(view));
  });

  it('decodes into a buffer that a wider typed array can view from offset 0', () => {
    const labels = new Int32Array([-5, 0, 70_000, 2_000_000_000]);
    const bytes = base64ToBytes(bytesToBase64(labels));
    expect(bytes.byteOffset).toBe(0);
    expect(new Int32Array(bytes.buffer)).toEqual(labels);
  });
});
