import { describe, expect, it, vi } from 'vitest';
import { commandById, commandForChord, commands, drawToolbarCommandIds, layoutToolbarCommandIds, measureToolbarCommandIds, runCommand, type CommandTarget } from './commands';
import { chordOf, shortcuts } from '../lib/shortcuts';

type DrawMode = CommandTarget['segmentation']['drawMode'];

function fakeTarget(over: { hasSeries?: boolean; active?: boolean; canUndo?: boolean; canRedo?: boolean; canFindSimilar?: boolean } = {}): CommandTarget & { tools: string[] } {
  const tools: string[] = [];
  const addSegment = vi.fn();
  const segmentation = {
    drawMode: 'paint' as DrawMode,
    setDrawMode: (mode: DrawMode) => {
      segmentation.drawMode = mode;
    },
  };
  return {
    tools,
    hasSeries: over.hasSeries ?? true,
    primaryTool: 'windowLevel',
    layout: '1x1',
    setLayout: (layout) => tools.push(`layout ${layout}`),
    setPrimaryTool: (tool) => tools.push(tool),
    openDock: (id) => tools.push(`dock ${id}`),
    search: { canFindSimilar: over.canFindSimilar ?? true, findSimilar: () => tools.push('find similar') },
    segmentation: {
      active: over.active === false ? null : { editable: true, addSegment },
      busy: null,
      canUndo: over.canUndo ?? false,
      canRedo: over.canRedo ?? false,
      undoLabel: over.canUndo ? 'brush stroke' : null,
      redoLabel: null,
      create: vi.fn(async () => {}),
      undo: vi.fn(),
      redo: vi.fn(),
      resizeBrush: vi.fn(),
      get drawMode() {
        return segmentation.drawMode;
      },
      setDrawMode: segmentation.setDrawMode,
      interpolate: vi.fn(),
      removeIslands: vi.fn(),
      keepLargest: vi.fn(),
    },
  };
}

describe('the commands table', () => {
  it('has unique ids and no key chord bound twice, among commands or against the viewer shortcuts', () => {
    expect(new Set(commands.map((c) => c.id)).size).toBe(commands.length);
    const commandChords = commands.flatMap((c) => c.keys);
    expect(new Set(commandChords).size).toBe(commandChords.length);
    // A viewer shortcut key, pressed plainly, gives a chord equal to the key itself.
    const shortcutChords = shortcuts.flatMap((s) => s.keys);
    expect(commandChords.filter((chord) => shortcutChords.includes(chord))).toEqual([]);
  });

  it('names a command for every toolbar button', () => {
    for (const id of [...drawToolbarCommandIds, ...measureToolbarCommandIds, ...layoutToolbarCommandIds]) expect(() => commandById(id)).not.toThrow();
  });

  it('opens the Report dock with Shift+R (plain r stays the viewer reset)', () => {
    const target = fakeTarget({ hasSeries: false });
    expect(commandForChord('R')?.id).toBe('report.open');
    expect(commandForChord('r')).toBeNull();
    expect(runCommand('report.open', target)).toBe(true);
    expect(target.tools).toEqual(['dock report-toggle']);
  });

  it('finds images like the one on screen with Shift+F (plain f stays the viewer fit), only when search can run', () => {
    const chord = chordOf({ key: 'F', ctrlKey: false, altKey: false, metaKey: false, shiftKey: true });
    expect(commandForChord(chord)?.id).toBe('search.similar');
    expect(commandForChord('f')).toBeNull();
    expect(shortcuts.find((s) => s.keys.includes('f'))?.description).toBe('Fit to window');
    const ready = fakeTarget();
    expect(runCommand('search.similar', ready)).toBe(true);
    expect(ready.tools).toEqual(['find similar']);
    const waiting = fakeTarget({ canFindSimilar: false });
    expect(runCommand('search.similar', waiting)).toBe(false);
    expect(waiting.tools).toEqual([]);
    // The help overlay lists every keyed command by its label.
    expect(commands.filter((c) => c.keys.length > 0).map((c) => c.label)).toContain('Find similar images');
  });

  it('switches the layout through its commands', () => {
    const target = fakeTarget();
    expect(runCommand('layout.1x3', target)).toBe(true);
    expect(target.tools).toEqual(['layout 1x3']);
    expect(commandById('layout.1x1').pressed?.(target)).toBe(true);
  });

  it('maps Ctrl+Z to undo, Ctrl+Shift+Z and Ctrl+Y to redo, [ and ] to the brush size', () => {
    const chord = (key: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean }> = {}) =>
      chordOf({ key, ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...mods });
    expect(commandForChord(chord('z', { ctrlKey: true }))?.id).toBe('edit.undo');
    expect(commandForChord(chord('Z', { ctrlKey: true, shiftKey: true }))?.id).toBe('edit.redo');
    expect(commandForChord(chord('z', { metaKey: true }))?.id).toBe('edit.undo');
    expect(commandForChord(chord('y', { ctrlKey: true }))?.id).toBe('edit.redo');
    expect(commandForChord(chord('['))?.id).toBe('brush.smaller');
    expect(commandForChord(chord(']'))?.id).toBe('brush.larger');
    // Plain Z (shift) stays the viewer's zoom-out shortcut.
    expect(commandForChord(chord('Z', { shiftKey: true }))).toBeNull();
  });

  it('runs only enabled commands', () => {
    const idle = fakeTarget({ canUndo: false });
    expect(runCommand('edit.undo', idle)).toBe(false);
    expect(idle.segmentation.undo).not.toHaveBeenCalled();
    const ready = fakeTarget({ canUndo: true });
    expect(runCommand('edit.undo', ready)).toBe(true);
    expect(ready.segmentation.undo).toHaveBeenCalledOnce();
    expect(commandById('edit.undo').describe?.(ready)).toContain('brush stroke');
    expect(runCommand('segmentation.addSegment', fakeTarget({ active: false }))).toBe(false);
    expect(runCommand('segmentation.new', fakeTarget({ hasSeries: false }))).toBe(false);
  });

  it('binds the brush in its modes (threshold t, region grow g) and runs the whole-segment tools on the chosen segment', () => {
    const target = fakeTarget();
    runCommand('tool.thresholdBrush', target);
    expect(target.segmentation.drawMode).toBe('threshold');
    expect(target.tools).toEqual(['brush']);
    expect(commandById('tool.brush').pressed?.(target)).toBe(false);
    expect(commandForChord('g')?.id).toBe('tool.regionGrow');
    runCommand('tool.regionGrow', target);
    expect(target.segmentation.drawMode).toBe('grow');
    runCommand('tool.brush', target);
    expect(target.segmentation.drawMode).toBe('paint');
    for (const [key, id, call] of [
      ['n', 'segment.interpolate', target.segmentation.interpolate],
      ['x', 'segment.removeIslands', target.segmentation.removeIslands],
      ['k', 'segment.keepLargest', target.segmentation.keepLargest],
    ] as const) {
      expect(commandForChord(key)?.id).toBe(id);
      expect(runCommand(id, target)).toBe(true);
      expect(call).toHaveBeenCalledOnce();
      expect(runCommand(id, fakeTarget({ active: false }))).toBe(false);
    }
  });

  it('binds the rectangle fill and scissors to Shift+C and Shift+S, beside the freehand c and s', () => {
    const target = fakeTarget();
    const chord = (key: string) => chordOf({ key, ctrlKey: false, altKey: false, metaKey: false, shiftKey: true });
    expect(commandForChord(chord('C'))?.id).toBe('tool.rectangleFill');
    expect(commandForChord(chord('S'))?.id).toBe('tool.rectangleScissors');
    expect(commandForChord('c')?.id).toBe('tool.contour');
    runCommand('tool.rectangleFill', target);
    expect(target.segmentation.drawMode).toBe('rectangle');
    expect(target.tools).toEqual(['brush']);
    expect(commandById('tool.rectangleFill').pressed?.({ ...target, primaryTool: 'brush' })).toBe(true);
    expect(commandById('tool.contour').pressed?.({ ...target, primaryTool: 'brush' })).toBe(false);
    runCommand('tool.rectangleScissors', target);
    expect(target.segmentation.drawMode).toBe('rectangleScissors');
    expect(drawToolbarCommandIds).toEqual(expect.arrayContaining(['tool.rectangleFill', 'tool.rectangleScissors']));
    expect(runCommand('tool.rectangleFill', fakeTarget({ hasSeries: false }))).toBe(false);
  });

  it('switches the left-drag tool and resizes the brush', () => {
    const target = fakeTarget();
    runCommand('tool.brush', target);
    runCommand('tool.eraser', target);
    expect(target.tools).toEqual(['brush', 'eraser']);
    runCommand('brush.larger', target);
    runCommand('brush.smaller', target);
    expect(target.segmentation.resizeBrush).toHaveBeenNthCalledWith(1, 1.25);
    expect(target.segmentation.resizeBrush).toHaveBeenNthCalledWith(2, 0.8);
  });
});
