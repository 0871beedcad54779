import { describe, expect, it } from 'vitest';
import { FirstImageGate } from './firstImageGate';

/** A viewer as the gate sees it: whether the open series' first image is settled. */
function setUp(settled: boolean) {
  const state = { settled };
  const gate = new FirstImageGate(() => state.settled);
  const resolved: string[] = [];
  const waitFor = (name: string) => void gate.wait().then(() => resolved.push(name));
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { state, gate, resolved, waitFor, tick };
}

describe('FirstImageGate: thumbnails wait for the first image of the series being opened', () => {
  it('resolves at once when the first image is settled and nothing is being opened', async () => {
    const { waitFor, resolved, tick } = setUp(true);
    waitFor('thumb');
    await tick();
    expect(resolved).toEqual(['thumb']);
  });

  it('waits for the first image of the open series, then releases every waiter', async () => {
    const { gate, state, waitFor, resolved, tick } = setUp(false);
    waitFor('a');
    waitFor('b');
    await tick();
    expect(resolved).toEqual([]);
    state.settled = true;
    gate.release();
    await tick();
    expect(resolved).toEqual(['a', 'b']);
  });

  it('while a study is being opened, a thumbnail asking waits even though the series before was shown', async () => {
    const { gate, state, waitFor, resolved, tick } = setUp(true);
    const done = gate.hold();
    waitFor('thumb of the new list');
    await tick();
    expect(resolved).toEqual([]);
    // The study's first series is selected: its first image is not shown yet.
    state.settled = false;
    done();
    await tick();
    expect(resolved).toEqual([]);
    state.settled = true;
    gate.release();
    await tick();
    expect(resolved).toEqual(['thumb of the new list']);
  });

  it('a first image settling while the next study is being chosen releases nothing until the choice is made', async () => {
    const { gate, state, waitFor, resolved, tick } = setUp(false);
    waitFor('thumb');
    const done = gate.hold();
    state.settled = true;
    gate.release(); // the series before showed its first image meanwhile
    await tick();
    expect(resolved).toEqual([]);
    done(); // nothing was selected (a study with no images): settled, so the thumbnails go
    await tick();
    expect(resolved).toEqual(['thumb']);
  });

  it('ending a hold twice counts once; nested holds release after the last', async () => {
    const { gate, waitFor, resolved, tick } = setUp(true);
    const first = gate.hold();
    const second = gate.hold();
    waitFor('thumb');
    first();
    first();
    await tick();
    expect(resolved).toEqual([]);
    second();
    await tick();
    expect(resolved).toEqual(['thumb']);
  });
});
