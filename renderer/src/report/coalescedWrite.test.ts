import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescedWrite, FRAME_FALLBACK_MS, nextFrame, type Schedule } from './coalescedWrite';

/** A 16 ms frame on fake timers (vitest's fake requestAnimationFrame needs a DOM environment). */
const frame: Schedule = (run) => {
  const timer = setTimeout(run, 16);
  return () => clearTimeout(timer);
};

describe('CoalescedWrite', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('writes once per frame however many changes ask for it, and again after the next change', () => {
    const write = vi.fn();
    const copy = new CoalescedWrite(write, frame);
    for (let key = 0; key < 30; key++) copy.request();
    expect(write).not.toHaveBeenCalled();
    expect(copy.pending).toBe(true);
    vi.advanceTimersByTime(16);
    expect(write).toHaveBeenCalledOnce();
    expect(copy.pending).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(write).toHaveBeenCalledOnce();
    copy.request();
    vi.advanceTimersByTime(16);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('writes a pending change at once on flush (the page going away), and not again at the frame', () => {
    const write = vi.fn();
    const copy = new CoalescedWrite(write, frame);
    copy.flush();
    expect(write).not.toHaveBeenCalled();
    copy.request();
    copy.flush();
    expect(write).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(100);
    expect(write).toHaveBeenCalledOnce();
    // writeNow writes whether or not a change is pending.
    copy.writeNow();
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('drops a pending write on cancel', () => {
    const write = vi.fn();
    const copy = new CoalescedWrite(write, frame);
    copy.request();
    copy.cancel();
    vi.advanceTimersByTime(100);
    expect(write).not.toHaveBeenCalled();
    expect(copy.pending).toBe(false);
  });

  it('the default schedule still writes where no animation frame comes (a hidden window, no rAF here)', () => {
    const write = vi.fn();
    const copy = new CoalescedWrite(write, nextFrame);
    copy.request();
    copy.request();
    vi.advanceTimersByTime(FRAME_FALLBACK_MS - 1);
    expect(write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(write).toHaveBeenCalledOnce();
    copy.request();
    copy.cancel();
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(write).toHaveBeenCalledOnce();
  });
});
