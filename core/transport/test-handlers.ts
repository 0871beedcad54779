// For transport tests: handlers for every contract call that answer with their own name and record their calls.
import { callNames, type Handlers } from '../contract/index';
import { ok } from '../contract/result';
import type { CallContext } from '../services/context';

export function recordingHandlers() {
  const calls: { name: string; args: unknown; ctx: CallContext }[] = [];
  const handlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      async (args: unknown, ctx: CallContext) => {
        calls.push({ name, args, ctx });
        return ok({ handledBy: name });
      },
    ]),
  ) as unknown as Handlers<CallContext>;
  return { handlers, calls };
}
