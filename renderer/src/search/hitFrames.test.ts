import { describe, expect, it } from 'vitest';
import { frameIndexOfHit, seriesKeysOf } from './hitFrames';

const single = (uid: string) => ({ instance: { sopInstanceUid: uid }, frame: null });
const multi = (uid: string, frame: number) => ({ instance: { sopInstanceUid: uid }, frame });

describe('hit frames', () => {
  it('finds a single-frame instance as frame 1', () => {
    const frames = [single('1.2.3'), single('1.2.4'), single('1.2.5')];
    expect(frameIndexOfHit(frames, { sopInstanceUid: '1.2.4', frame: 1 })).toBe(1);
    expect(frameIndexOfHit(frames, { sopInstanceUid: '1.2.4', frame: 2 })).toBe(-1);
  });

  it('finds the numbered frame of a multi-frame instance', () => {
    const frames = [multi('9.9', 1), multi('9.9', 2), multi('9.9', 3), single('9.8')];
    expect(frameIndexOfHit(frames, { sopInstanceUid: '9.9', frame: 3 })).toBe(2);
    expect(frameIndexOfHit(frames, { sopInstanceUid: '9.8', frame: 1 })).toBe(3);
  });

  it('says -1 for an image the series no longer holds', () => {
    expect(frameIndexOfHit([single('1.2.3')], { sopInstanceUid: '7.7', frame: 1 })).toBe(-1);
    expect(frameIndexOfHit([], { sopInstanceUid: '1.2.3', frame: 1 })).toBe(-1);
  });

  it('lists each series once, in the order of its best hit', () => {
    expect(seriesKeysOf([{ seriesKey: '1.2' }, { seriesKey: '1.3' }, { seriesKey: '1.2' }, { seriesKey: '1.4' }])).toEqual(['1.2', '1.3', '1.4']);
  });
});
