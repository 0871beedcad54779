import { describe, expect, it } from 'vitest';
import { DOCK_PANEL_WIDTH, DOCK_TAB_STRIP_WIDTH, dockInsetPx, toggledDock } from './docks';

describe('the dock layout', () => {
  it('keeps at most one dock open, and the viewport gives way only to the open one', () => {
    expect(dockInsetPx(null)).toBe(DOCK_TAB_STRIP_WIDTH);
    const scoring = toggledDock(null, 'scoring');
    expect(scoring).toBe('scoring');
    expect(dockInsetPx(scoring)).toBe(DOCK_TAB_STRIP_WIDTH + DOCK_PANEL_WIDTH);
    expect(toggledDock(scoring, 'assistant')).toBe('assistant');
    expect(toggledDock('assistant', 'assistant')).toBeNull();
  });
});
