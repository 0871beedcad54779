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

/** One option met while walking argv: its name and a reader of its value (`--out x` or `--out=x`). */
export interface OptionAt {
  flag: string;
  /** The option's value; a UsageError naming the option when it has none. */
  value(): string;
}

/**
 * Walks argv: positional arguments (and everything after `--`) are returned in order; every option goes to
 * `onOption`, which returns 'help' to stop (for --help) and throws a UsageError for an option it does not know.
 */
export function walkArgs(argv: readonly string[], onOption: (option: OptionAt) => void | 'help'): string[] | 'help' {
  const positional: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (onOption({ flag, value }) === 'help') return 'help';
  }
  return positional;
}
