import { describe, expect, it } from 'vitest';
import { PendingSaves, type CommitResult, type SaveState } from './pending-saves';

describe('PendingSaves', () => {
  it('acknowledges an edit only after its commit, keeps it through failures and retries in order', async () => {
    const committed: string[] = [];
    let failNext = 1;
    const timers: (() => void)[] = [];
    const states: SaveState['state'][] = [];
    const saves = new PendingSaves<string, number>(
      async (edit): Promise<CommitResult<number>> => {
        if (failNext > 0) {
          failNext--;
          return { ok: false, error: { message: '/home/annotations.db: could not save: the disk is full (SQLITE_FULL)' } };
        }
        committed.push(edit);
        return { ok: true, value: committed.length };
      },
      { setTimer: (fn) => timers.push(fn), clearTimer: () => {}, onState: (s) => states.push(s.state), now: () => 0, retryDelaysMs: [50] },
    );
    let acked: number | null = null;
    const first = saves.save('a').then((v) => (acked = v));
    const second = saves.save('b');
    await new Promise((r) => setTimeout(r, 0));
    expect(acked).toBeNull();
    expect(saves.state).toMatchObject({ state: 'error', pending: 2, message: expect.stringMatching(/disk is full/), retryAt: 50 });
    expect(saves.pending).toEqual(['a', 'b']);
    timers.shift()!(); // the retry timer fires
    await first;
    expect(await second).toBe(2);
    expect(committed).toEqual(['a', 'b']);
    expect(saves.state).toEqual({ state: 'saved' });
    expect(states).toEqual(['saving', 'error', 'saving', 'saving', 'saved']);
  });

  it('does not retry a conflict by itself; retryNow does', async () => {
    let conflict = true;
    const timers: unknown[] = [];
    const saves = new PendingSaves<string, string>(
      async (edit) => (conflict ? { ok: false, error: { message: 'conflict', retryable: false } } : { ok: true, value: edit }),
      { setTimer: (fn) => timers.push(fn) },
    );
    const done = saves.save('x');
    await new Promise((r) => setTimeout(r, 0));
    expect(saves.state).toMatchObject({ state: 'error', retryAt: null });
    expect(timers).toHaveLength(0);
    conflict = false;
    await saves.retryNow();
    expect(await done).toBe('x');
  });
});
