/** A subcommand: gets its own argv (after the command name), writes to the given streams, returns the exit code. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

/** Thrown for bad usage; the dispatcher prints it with the command's usage and exits 2. */
export class UsageError extends Error {}

/** The value after an option (argv[i + 1]); a UsageError naming the option when it has none (or an empty one). */
export function optionValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
  return value;
}
