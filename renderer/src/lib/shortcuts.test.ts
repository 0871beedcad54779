import { describe, expect, it, vi } from 'vitest';
import { matchShortcut, shortcuts, type ShortcutTarget } from './shortcuts';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean }> = {}) =>
  matchShortcut({ key, ctrlKey: false, altKey: false, metaKey: false, ...mods });

const fakeTarget = (): ShortcutTarget => ({
  applyPreset: vi.fn(),
  scrollBy: vi.fn(),
  scrollTo: vi.fn(),
  scrollToEnd: vi.fn(),
  toggleCine: vi.fn(),
  toggleInvert: vi.fn(),
  reset: vi.fn(),
  fit: vi.fn(),
  zoomBy: vi.fn(),
  toggleHelp: vi.fn(),
  closeHelp: vi.fn(),
});

describe('keyboard shortcuts', () => {
  it('maps digits to W/L presets', () => {
    const target = fakeTarget();
    press('1')!.run(target, { sliceCount: 20 });
    press('3')!.run(target, { sliceCount: 20 });
    expect(target.applyPreset).toHaveBeenNthCalledWith(1, 'lung');
    expect(target.applyPreset).toHaveBeenNthCalledWith(2, 'bone');
  });

  it('pages by a tenth of the stack, at least one slice', () => {
    const target = fakeTarget();
    press('PageDown')!.run(target, { sliceCount: 200 });
    press('PageUp')!.run(target, { sliceCount: 3 });
    expect(target.scrollBy).toHaveBeenNthCalledWith(1, 20);
    expect(target.scrollBy).toHaveBeenNthCalledWith(2, -1);
  });

  it('leaves browser shortcuts with modifiers alone', () => {
    expect(press('r', { ctrlKey: true })).toBeNull();
    expect(press('r')?.description).toMatch(/Reset/);
  });

  it('binds every key at most once', () => {
    const keys = shortcuts.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
