import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus';

const progress = { jobId: 'job-1', kind: 'import' as const, state: 'running' as const, done: 1, total: 2, message: null };

describe('EventBus', () => {
  it('delivers an event to its listeners and to every onAny listener, until they unsubscribe', () => {
    const bus = new EventBus();
    const heard: string[] = [];
    const stopOne = bus.on('jobs.progress', (p) => heard.push(`one ${p.done}`));
    bus.on('jobs.progress', (p) => heard.push(`two ${p.done}`));
    bus.on('catalog.changed', () => heard.push('catalog'));
    const stopAny = bus.onAny((name) => heard.push(`any ${name}`));
    bus.emit('jobs.progress', progress);
    stopOne();
    stopAny();
    bus.emit('jobs.progress', { ...progress, done: 2 });
    expect(heard).toEqual(['one 1', 'two 1', 'any jobs.progress', 'two 2']);
  });

  it('counts the same function subscribed twice as two subscriptions', () => {
    const bus = new EventBus();
    let count = 0;
    const listener = () => count++;
    const stop = bus.on('catalog.changed', listener);
    bus.on('catalog.changed', listener);
    bus.emit('catalog.changed', {});
    stop();
    bus.emit('catalog.changed', {});
    expect(count).toBe(3);
  });

  it('refuses a payload the contract refuses, naming the event and the field', () => {
    const bus = new EventBus();
    const heard: unknown[] = [];
    bus.onAny((_name, p) => heard.push(p));
    expect(() => bus.emit('jobs.progress', { ...progress, jobId: '../etc' })).toThrow(/event jobs\.progress: payload refused by the contract: jobId/);
    expect(() => bus.emit('store.changed', { seriesKey: '<script>' })).toThrow(/seriesKey/);
    expect(heard).toEqual([]);
  });

  it('delivers to every listener even when one throws, then reports the failure', () => {
    const bus = new EventBus();
    const heard: string[] = [];
    bus.on('catalog.changed', () => {
      throw new Error('first broke');
    });
    bus.on('catalog.changed', () => heard.push('second'));
    bus.onAny(() => heard.push('any'));
    expect(() => bus.emit('catalog.changed', {})).toThrow('first broke');
    expect(heard).toEqual(['second', 'any']);
    bus.on('catalog.changed', () => {
      throw new Error('third broke');
    });
    expect(() => bus.emit('catalog.changed', {})).toThrow(/2 listeners failed/);
  });
});
