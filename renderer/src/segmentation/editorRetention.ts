// Which segmentation editors the page keeps. An editor holds a byte per voxel per segment (125 MiB a segment on a
// 512 × 512 × 500 CT). One that only showed a stored segmentation can be let go when another is opened: the store
// has all of it and opening it again reads it back. One the series' undo history may still reach (its operations
// hold the editor's masks), or one with edits the store has not confirmed, is kept for the session.

export interface EditorHold {
  maskSetId: string;
  /** Open in the Segments panel now (its layers are shown). */
  active: boolean;
  /** Edits made that the store has not confirmed (autosave pending, in flight, or failed). */
  unsaved: boolean;
  /** It has performed an operation the history may still undo or redo. */
  inHistory: boolean;
}

/** The editors that can be let go now (to be read from the store again when opened). */
export function releasableEditors(editors: Iterable<EditorHold>): string[] {
  const released: string[] = [];
  for (const e of editors) if (!e.active && !e.unsaved && !e.inHistory) released.push(e.maskSetId);
  return released;
}
