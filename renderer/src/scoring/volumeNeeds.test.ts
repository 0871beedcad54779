import { describe, expect, it } from 'vitest';
import { neededVolumes } from './volumeNeeds';

const ids = ['a', 'b', 'c'];
const noPair = { truthId: null, predId: null };

describe('neededVolumes', () => {
  it('holds no label map while the Masks & Scoring panel is closed, whatever is chosen', () => {
    expect([...neededVolumes({ panelOpen: false, maskSetIds: ids, editingId: null, pair: noPair })]).toEqual([]);
    expect([...neededVolumes({ panelOpen: false, maskSetIds: ids, editingId: 'a', pair: { truthId: 'a', predId: 'b' } })]).toEqual([]);
  });

  it('holds every segmentation of the series while the panel is open', () => {
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ids, editingId: null, pair: noPair })]).toEqual(ids);
  });

  it('leaves out the one the Segments editor draws from its own masks', () => {
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ids, editingId: 'b', pair: noPair })]).toEqual(['a', 'c']);
  });

  it('keeps the edited one when it is half of the chosen truth/prediction pair (the TP/FP/FN picture reads it)', () => {
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ids, editingId: 'b', pair: { truthId: 'b', predId: 'c' } })]).toEqual(ids);
    // A pair of one segmentation with itself is no pair: nothing is scored or pictured.
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ids, editingId: 'b', pair: { truthId: 'b', predId: 'b' } })]).toEqual(['a', 'c']);
    // Only a truth chosen: no picture yet.
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ids, editingId: 'b', pair: { truthId: 'b', predId: null } })]).toEqual(['a', 'c']);
  });

  it('never asks for a segmentation the series does not list (a pair left over from another series)', () => {
    expect([...neededVolumes({ panelOpen: true, maskSetIds: ['a'], editingId: null, pair: { truthId: 'x', predId: 'y' } })]).toEqual(['a']);
  });
});
