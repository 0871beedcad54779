import { describe, expect, it } from 'vitest';
import { describeLoadError } from './errors';

describe('describeLoadError', () => {
  it('reads Errors, cornerstone error objects and plain values', () => {
    expect(describeLoadError(new Error('decode failed'))).toBe('decode failed');
    expect(describeLoadError({ error: {}, message: 'HTTP 404' })).toBe('HTTP 404');
    expect(describeLoadError('timeout')).toBe('timeout');
  });
});
