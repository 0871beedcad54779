/** Errors cross every process boundary as values, never as thrown exceptions. */
export type ErrorCode =
  | 'invalid_arguments'
  | 'unknown_call'
  | 'forbidden'
  | 'not_found'
  | 'unsupported'
  | 'cancelled'
  | 'bad_input'
  /** A save against a version someone else (another window or process) has replaced: reload, then redo. */
  | 'conflict'
  | 'io_error'
  | 'model_error'
  | 'internal';

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): { ok: false; error: ApiError } => ({
  ok: false,
  error: { code, message },
});
