import type { WlPreset } from './presets';

/** The commands a key can trigger; the viewer state implements them. */
export interface ShortcutTarget {
  applyPreset(id: WlPreset['id']): void;
  scrollBy(delta: number): void;
  scrollTo(index: number): void;
  scrollToEnd(): void;
  toggleCine(): void;
  toggleInvert(): void;
  reset(): void;
  fit(): void;
  zoomBy(factor: number): void;
  toggleHelp(): void;
  closeHelp(): void;
}

export interface Shortcut {
  /** KeyboardEvent.key values, as shown in the help overlay. */
  keys: string[];
  description: string;
  run(target: ShortcutTarget, context: { sliceCount: number }): void;
}

const pageStep = (sliceCount: number) => Math.max(1, Math.round(sliceCount / 10));

/** OHIF/Slicer-style bindings. Digits pick W/L presets, arrows scroll, space plays cine. */
export const shortcuts: readonly Shortcut[] = [
  { keys: ['1'], description: 'W/L preset: lung (1500/−600)', run: (t) => t.applyPreset('lung') },
  { keys: ['2'], description: 'W/L preset: mediastinum (350/50)', run: (t) => t.applyPreset('mediastinum') },
  { keys: ['3'], description: 'W/L preset: bone (2000/300)', run: (t) => t.applyPreset('bone') },
  { keys: ['4'], description: 'W/L preset: brain (80/40)', run: (t) => t.applyPreset('brain') },
  { keys: ['0'], description: 'W/L from the file (default)', run: (t) => t.applyPreset('default') },
  { keys: ['ArrowDown', 'ArrowRight'], description: 'Next slice', run: (t) => t.scrollBy(1) },
  { keys: ['ArrowUp', 'ArrowLeft'], description: 'Previous slice', run: (t) => t.scrollBy(-1) },
  { keys: ['PageDown'], description: 'Forward 10% of the stack', run: (t, c) => t.scrollBy(pageStep(c.sliceCount)) },
  { keys: ['PageUp'], description: 'Back 10% of the stack', run: (t, c) => t.scrollBy(-pageStep(c.sliceCount)) },
  { keys: ['Home'], description: 'First slice', run: (t) => t.scrollTo(0) },
  { keys: ['End'], description: 'Last slice', run: (t) => t.scrollToEnd() },
  { keys: [' '], description: 'Play / pause cine', run: (t) => t.toggleCine() },
  { keys: ['i'], description: 'Invert', run: (t) => t.toggleInvert() },
  { keys: ['r'], description: 'Reset view and W/L', run: (t) => t.reset() },
  { keys: ['f'], description: 'Fit to window', run: (t) => t.fit() },
  { keys: ['z', '+', '='], description: 'Zoom in', run: (t) => t.zoomBy(1.25) },
  { keys: ['Z', '-'], description: 'Zoom out', run: (t) => t.zoomBy(0.8) },
  { keys: ['?', 'h'], description: 'Show / hide this help', run: (t) => t.toggleHelp() },
  { keys: ['Escape'], description: 'Close help', run: (t) => t.closeHelp() },
];

/** The shortcut for a key press, or null; presses with Ctrl/Alt/Meta stay with the browser. */
export function matchShortcut(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey'>): Shortcut | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  return shortcuts.find((s) => s.keys.includes(event.key)) ?? null;
}

/**
 * A key press as a chord string: 'b', '[', 'Ctrl+z', 'Ctrl+Shift+z' (Meta counts as Ctrl, for macOS). Shift is
 * written only beside Ctrl/Alt, since on its own it already shapes the key ('Z', '?').
 */
export function chordOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'shiftKey'>): string {
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 && (ctrl || event.altKey) ? event.key.toLowerCase() : event.key;
  return [ctrl ? 'Ctrl' : '', event.altKey ? 'Alt' : '', (ctrl || event.altKey) && event.shiftKey ? 'Shift' : '', key].filter(Boolean).join('+');
}

export const keyLabel = (key: string): string =>
  ({ ' ': 'Space', ArrowDown: '↓', ArrowUp: '↑', ArrowLeft: '←', ArrowRight: '→', PageDown: 'PgDn', PageUp: 'PgUp' })[key] ?? key;
