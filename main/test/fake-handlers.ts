import { vi } from 'vitest';
import { callNames, type Handlers } from '../../core/contract/index';
import { ok } from '../../core/contract/result';
import type { CallContext } from '../../core/services/context';

/** Handlers for every contract call that answer with their own name and record their calls. */
export function recordingHandlers() {
  const calls: { name: string; args: unknown; ctx: CallContext }[] = [];
  const handlers = Object.fromEntries(
    callNames.map((name) => [
      name,
      vi.fn(async (args: unknown, ctx: CallContext) => {
        calls.push({ name, args, ctx });
        return ok({ handledBy: name });
      }),
    ]),
  ) as unknown as Handlers<CallContext>;
  return { handlers, calls };
}
