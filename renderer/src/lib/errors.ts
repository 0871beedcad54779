/** cornerstone rejects with Errors, strings or its own error objects ({ error, message }): one readable line. */
export function describeLoadError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
