import type { CallName, Handlers } from '../contract/index';

/** Which transport delivered a call. The renderer cannot tell them apart; the services sometimes must (e.g. no native picker in a browser). */
export type Transport = 'electron' | 'browser' | 'direct';

/** What every handler receives besides its validated arguments. */
export interface CallContext {
  transport: Transport;
  /** Who sent the call, for error messages and logs: `window:1`, `socket:3`, `test`. */
  caller: string;
}

/**
 * The handlers one domain module provides: exactly the calls of its contract module.
 * `app-service.ts` spreads every domain into one `Handlers<CallContext>`, so a call without a handler fails the type check.
 */
export type DomainHandlers<Calls> = Pick<Handlers<CallContext>, Extract<keyof Calls, CallName>>;
