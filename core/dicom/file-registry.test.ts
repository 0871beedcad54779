import { describe, expect, it } from 'vitest';
import { FileRegistry } from './file-registry';

describe('FileRegistry', () => {
  it('hands out opaque url-safe keys that resolve back to the path', () => {
    const registry = new FileRegistry();
    const a = registry.register('/data/a.dcm');
    const b = registry.register('/data/b.dcm');
    expect(a).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('data');
    expect(registry.resolve(a)).toBe('/data/a.dcm');
    expect(registry.resolve(b)).toBe('/data/b.dcm');
    expect(registry.register('/data/a.dcm')).toBe(a);
    expect(registry.size).toBe(2);
  });

  it('resolves nothing for unknown keys or paths passed as keys', () => {
    const registry = new FileRegistry();
    registry.register('/data/a.dcm');
    expect(registry.resolve('/data/a.dcm')).toBeUndefined();
    expect(registry.resolve('')).toBeUndefined();
    expect(new FileRegistry().resolve(registry.register('/x'))).toBeUndefined();
  });
});
