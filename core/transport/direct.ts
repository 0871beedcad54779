import { dispatch } from '../contract/dispatch';
import { isEventName } from '../contract/events';
import { callNames, type Api, type Handlers } from '../contract/index';
import type { Result } from '../contract/result';
import type { CallContext } from '../services/context';
import type { EventBus } from './event-bus';

/**
 * The contract in process (CLI, tests, scripts): every call through the same dispatch() as IPC and the
 * socket, and `on` straight on the service's EventBus. Payloads are not copied: the caller shares the objects.
 */
export function createDirectApi(handlers: Handlers<CallContext>, events: EventBus, caller = 'direct'): Api {
  const ctx: CallContext = { transport: 'direct', caller };
  const calls = Object.fromEntries(
    callNames.map((name) => [name, (args: unknown): Promise<Result<unknown>> => dispatch(handlers, name, args, ctx)]),
  );
  const on: Api['on'] = (name, listener) => {
    if (!isEventName(name)) throw new TypeError(`api.on: ${String(name).slice(0, 80)} is not an event of the contract`);
    return events.on(name, listener);
  };
  return { ...calls, on } as unknown as Api;
}
