import { describe, expect, it } from 'vitest';
import { releasableEditors, type EditorHold } from './editorRetention';

const hold = (maskSetId: string, over: Partial<EditorHold> = {}): EditorHold => ({ maskSetId, active: false, unsaved: false, inHistory: false, ...over });

describe('releasableEditors', () => {
  it('lets go of every editor that only showed a segmentation, but never the open one', () => {
    expect(releasableEditors([hold('a'), hold('b', { active: true }), hold('c')])).toEqual(['a', 'c']);
  });

  it('keeps an editor the undo history may still reach, and one with edits the store has not confirmed', () => {
    expect(releasableEditors([hold('a', { inHistory: true }), hold('b', { unsaved: true }), hold('c')])).toEqual(['c']);
  });

  it('lets go of nothing when every editor is kept for a reason', () => {
    expect(releasableEditors([hold('a', { active: true }), hold('b', { inHistory: true, unsaved: true })])).toEqual([]);
    expect(releasableEditors([])).toEqual([]);
  });
});
