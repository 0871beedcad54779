/** A subcommand: gets its own argv (after the command name), writes to the given streams, returns the exit code. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export type CliCommand = (argv: string[], io: CliIo) => Promise<number>;

/** Thrown for bad usage; the dispatcher prints it with the command's usage and exits 2. */
export class UsageError extends Error {}
