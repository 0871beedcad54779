import { contract, isCallName, type Handlers } from './index';
import { describeIssues } from './issues';
import { err, type Result } from './result';

/**
 * The single entry point every transport calls: checks the call name, validates the
 * arguments with the contract's schema, runs the handler, and turns any throw (of the
 * schema check or of the handler) into an error value.
 */
export async function dispatch<Ctx>(
  handlers: Handlers<Ctx>,
  name: unknown,
  rawArgs: unknown,
  ctx: Ctx,
): Promise<Result<unknown>> {
  if (!isCallName(name)) {
    // Never String() a non-string: a JSON object like {"toString": 1} would throw while being described.
    const shown = typeof name === 'string' ? name.slice(0, 80) : `(a ${name === null ? 'null' : typeof name}, not a call name)`;
    return err('unknown_call', `Unknown call: ${shown}`);
  }
  let parsed: ReturnType<(typeof contract)[typeof name]['args']['safeParse']>;
  try {
    parsed = contract[name].args.safeParse(rawArgs ?? {});
  } catch (e) {
    // safeParse reports schema failures as values but lets everything else through: a getter that throws,
    // a regex or refinement that overflows the stack on a huge input. Those are bad arguments too.
    const reason = e instanceof RangeError ? 'the arguments are too large or too deeply nested to check' : e instanceof Error ? e.message : String(e);
    return err('invalid_arguments', `${name}: the arguments could not be checked: ${reason}`);
  }
  if (!parsed.success) return err('invalid_arguments', `${name}: ${describeIssues(parsed.error.issues, '(arguments)')}`);
  const handler = handlers[name] as ((args: unknown, ctx: Ctx) => Promise<Result<unknown>>) | undefined;
  // The type check demands a handler per call; this guards handler objects assembled at runtime.
  if (typeof handler !== 'function') return err('internal', `${name}: no handler is registered for this call`);
  try {
    return await handler(parsed.data, ctx);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return err('internal', `${name} failed: ${message}`);
  }
}
