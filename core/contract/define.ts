import type { z } from 'zod';

/** One call of the API: the schema of its arguments and of its result. */
export interface CallSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  args: A;
  result: R;
}

export const defineCall = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R): CallSpec<A, R> => ({
  args,
  result,
});
