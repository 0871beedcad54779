import { dockInsetPx, toggledDock } from './docks';

/**
 * The docks on the viewer's right edge (Masks & Scoring, Assistant, Segments): at most one is open, and it
 * takes its width from the viewport instead of covering it; every dock's tab stays in one strip beside it.
 */
export class DockLayout {
  /** The open dock's id, or null. */
  open = $state<string | null>(null);

  readonly insetPx = $derived(dockInsetPx(this.open));

  /** Opens a dock (closing the one open) or closes it; true when it is open afterwards. */
  toggle(id: string): boolean {
    this.open = toggledDock(this.open, id);
    return this.open === id;
  }
}
