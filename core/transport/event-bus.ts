import { eventContract, type EventListener, type EventName, type EventPayload } from '../contract/events';
import { describeIssues } from '../contract/issues';

/** Sends one contract event to whoever listens (services receive this through createAppService). */
export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** Sees every event: how a transport forwards them to its pages. */
export type AnyEventListener = (name: EventName, payload: unknown) => void;


/**
 * In-process fan-out of server → page events. Every payload is checked against the contract before it
 * leaves, so a page never receives an event its own schema would refuse; a bad payload is a bug of the
 * emitter and throws there. One listener that throws does not keep the event from the others.
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly anyListeners = new Set<AnyEventListener>();

  readonly emit: Emit = (name, payload) => {
    const checked = eventContract[name].safeParse(payload);
    if (!checked.success) throw new TypeError(`event ${name}: payload refused by the contract: ${describeIssues(checked.error.issues, '(payload)')}`);
    const failures: unknown[] = [];
    const deliver = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        failures.push(e);
      }
    };
    for (const listener of [...(this.listeners.get(name) ?? [])]) deliver(() => listener(checked.data));
    for (const listener of [...this.anyListeners]) deliver(() => listener(name, checked.data));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `event ${name}: ${failures.length} listeners failed`);
  };

  on<E extends EventName>(name: E, listener: EventListener<E>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    // Wrapped, so the same function subscribed twice gets two independent subscriptions.
    const entry = (payload: unknown) => listener(payload as EventPayload<E>);
    set.add(entry);
    return () => set.delete(entry);
  }

  onAny(listener: AnyEventListener): () => void {
    const entry: AnyEventListener = (name, payload) => listener(name, payload);
    this.anyListeners.add(entry);
    return () => this.anyListeners.delete(entry);
  }
}
