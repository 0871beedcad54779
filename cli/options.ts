import { UsageError } from './command';

/**
 * One declarative table of a command's options: what is parsed and what `--help` prints come from the same
 * entries, so the help cannot name an option the parser does not take (or leave one out). The flag of an
 * entry is its key in kebab case (`dataDir` → `--data-dir`). Every command's argv goes through
 * `parseCommandLine`, so the errors read the same everywhere.
 */

interface OptionBase {
  /** What the option does, for --help; lines after the first are indented under it. */
  help: string;
  /** The value's placeholder in the usage line and the help (`DIR|NAME`, `<file>`); a default by kind. */
  value?: string;
}

/** `true`: the option must be given; a string also says what it is for, in the error. */
type Required = true | string;

export type OptionSpec =
  | (OptionBase & { kind: 'boolean' })
  | (OptionBase & { kind: 'string'; required?: Required; default?: string })
  /** Repeatable: every occurrence adds one value, in order. */
  | (OptionBase & { kind: 'strings' })
  /** A whole number in decimal digits within [min, max]. */
  | (OptionBase & { kind: 'int'; min?: number; max?: number; required?: Required; default?: number })
  | (OptionBase & { kind: 'float'; min?: number; max?: number; required?: Required; default?: number })
  /** One of `values`; `valueHelp` documents each value under the option. */
  | (OptionBase & { kind: 'enum'; values: readonly string[]; valueHelp?: Readonly<Record<string, string>>; required?: Required; default?: string })
  /** Any number of `values`: repeat the option or separate them with commas; kept once each, in order. */
  | (OptionBase & { kind: 'enums'; values: readonly string[]; valueHelp?: Readonly<Record<string, string>> })
  /** A value with a command's own reading (a series key, a list of numbers): `parse` throws a UsageError. */
  | (OptionBase & { kind: 'custom'; parse: (text: string, flag: string) => unknown; required?: Required });

export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S> = S extends { kind: 'boolean' }
  ? boolean
  : S extends { kind: 'strings' }
    ? string[]
    : S extends { kind: 'int' | 'float' }
      ? number
      : S extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : S extends { kind: 'enums'; values: readonly (infer V)[] }
          ? V[]
          : S extends { kind: 'custom'; parse: (text: string, flag: string) => infer T }
            ? T
            : string;

/** Options that always hold a value after parsing: flags, lists, required ones and those with a default. */
type AlwaysSet<S> = S extends { kind: 'boolean' | 'strings' | 'enums' } ? true : S extends { required: Required } | { default: unknown } ? true : false;

export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T]: AlwaysSet<T[K]> extends true ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

export interface PositionalSpec {
  /** How the usage line shows them: `<image>`, `<image|dir>...`. */
  synopsis: string;
  min?: number;
  max?: number;
  /** The error when fewer than `min` are given; default: `give <synopsis>`. */
  missing?: string;
  /** The error when more than `max` are given; default: `unexpected argument '<the first extra one>'`. */
  tooMany?: string;
  /** Lines of the help's table before the options: [label, what it is]. */
  help?: readonly (readonly [string, string])[];
}

export interface CommandSpec<T extends OptionTable> {
  /** As typed after `vesalius`: `caption`, `masks export`. */
  name: string;
  /** The usage lines, for commands with several forms; otherwise made from the positionals and the table. */
  synopsis?: readonly string[];
  /** Without it the command takes no positional argument. */
  positionals?: PositionalSpec;
  /** The paragraphs between the usage line and the options. */
  about: string;
  options: T;
  /** The paragraphs after the options (exit status and the like). */
  notes?: string;
}

/** Keeps the table's literal types (enum values, custom parsers) so the parsed values are typed from it. */
export function defineCommand<const T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

export const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** "a", "a or b", "a, b or c". */
export function orList(values: readonly string[]): string {
  return values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` from ${min}`;
  if (max !== undefined) return ` up to ${max}`;
  return '';
}

function readInt(flag: string, text: string, spec: { min?: number; max?: number }): number {
  const n = Number(text);
  if (!/^-?[0-9]+$/.test(text) || !Number.isSafeInteger(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw new UsageError(`${flag} takes a whole number${rangeText(spec.min, spec.max)} (got '${text}')`);
  }
  return n;
}

function readFloat(flag: string, text: string, spec: { min?: number; max?: number }): number {
  const n = Number(text);
  // Number('') is 0 and Number('0x10') is 16: only a decimal number is a number here.
  if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text) || !Number.isFinite(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw new UsageError(`${flag} takes a number${rangeText(spec.min, spec.max)} (got '${text}')`);
  }
  return n;
}

function readEnum(flag: string, text: string, values: readonly string[]): string {
  if (!values.includes(text)) throw new UsageError(`${flag} '${text}' is not ${orList(values.map((v) => `'${v}'`))}`);
  return text;
}

export type ParsedCommandLine<T extends OptionTable> = { values: OptionValues<T>; positionals: string[] };

/**
 * Reads argv against the table: `--x v` and `--x=v`, `-h`/`--help` (answered 'help' wherever it stands),
 * `--` ends the options, a lone `-` is a positional. Then checks the positionals' count and the required
 * options, in that order, and fills in the defaults.
 */
export function parseCommandLine<T extends OptionTable>(spec: CommandSpec<T>, argv: readonly string[]): ParsedCommandLine<T> | 'help' {
  const byFlag = new Map(Object.entries(spec.options).map(([key, option]) => [flagOf(key), { key, option }]));
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(spec.options)) {
    if (option.kind === 'boolean') values[key] = false;
    else if (option.kind === 'strings' || option.kind === 'enums') values[key] = [];
  }
  const positionals: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const entry = byFlag.get(flag);
    if (!entry) {
      throw new UsageError(`unknown option '${flag}' (vesalius ${spec.name} takes ${[...byFlag.keys(), '--help'].join(', ')})`);
    }
    const { key, option } = entry;
    if (option.kind === 'boolean') {
      if (eq > 0) throw new UsageError(`${flag} takes no value (got '${arg.slice(eq + 1)}')`);
      values[key] = true;
      continue;
    }
    const text = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (text === undefined || text === '') throw new UsageError(`${flag} needs a value`);
    switch (option.kind) {
      case 'string':
        values[key] = text;
        break;
      case 'strings':
        (values[key] as string[]).push(text);
        break;
      case 'int':
        values[key] = readInt(flag, text, option);
        break;
      case 'float':
        values[key] = readFloat(flag, text, option);
        break;
      case 'enum':
        values[key] = readEnum(flag, text, option.values);
        break;
      case 'enums': {
        const list = values[key] as string[];
        for (const part of text.split(',').map((s) => s.trim())) {
          if (!list.includes(readEnum(flag, part, option.values))) list.push(part);
        }
        break;
      }
      case 'custom':
        values[key] = option.parse(text, flag);
        break;
    }
  }
  const { min = 0, max = 0 } = spec.positionals ?? {};
  if (positionals.length < min) throw new UsageError(spec.positionals?.missing ?? `give ${spec.positionals?.synopsis}`);
  if (positionals.length > max) throw new UsageError(spec.positionals?.tooMany ?? `unexpected argument '${positionals[max]}'`);
  for (const [key, option] of Object.entries(spec.options)) {
    if (values[key] !== undefined || !('required' in option || 'default' in option)) continue;
    if ('default' in option && option.default !== undefined) values[key] = option.default;
    else if ('required' in option && option.required !== undefined) {
      const why = typeof option.required === 'string' ? option.required : option.kind === 'enum' ? orList(option.values) : '';
      throw new UsageError(`${flagOf(key)} is required${why ? ` (${why})` : ''}`);
    }
  }
  return { values: values as OptionValues<T>, positionals };
}

function placeholder(option: OptionSpec): string {
  if (option.value !== undefined) return option.value;
  switch (option.kind) {
    case 'boolean':
      return '';
    case 'int':
    case 'float':
      return 'N';
    case 'enum':
    case 'enums':
      return option.values.join('|');
    default:
      return 'VALUE';
  }
}

/** `--out <file>`, `[--json]`, `[--in <dir>]...`: how one option stands in the usage line. */
function synopsisOf(key: string, option: OptionSpec): string {
  const value = placeholder(option);
  const text = value ? `${flagOf(key)} ${value}` : flagOf(key);
  if ('required' in option && option.required !== undefined) return text;
  return option.kind === 'strings' || option.kind === 'enums' ? `[${text}]...` : `[${text}]`;
}

/** The usage line(s): the spec's own, or `vesalius <name> <positionals> <required options> [<the others>]`. */
export function usageLines(spec: CommandSpec<OptionTable>): readonly string[] {
  if (spec.synopsis) return spec.synopsis;
  const entries = Object.entries(spec.options);
  const isRequired = ([, o]: [string, OptionSpec]): boolean => 'required' in o && o.required !== undefined;
  const parts = [`vesalius ${spec.name}`, spec.positionals?.synopsis ?? '']
    .concat(entries.filter(isRequired).map(([k, o]) => synopsisOf(k, o)))
    .concat(entries.filter((e) => !isRequired(e)).map(([k, o]) => synopsisOf(k, o)));
  return [parts.filter(Boolean).join(' ')];
}

/** Rows of [label, help]; each help line after the first, and each value's line, indented under the first. */
function tableText(rows: readonly (readonly [string, string])[], valueRows: ReadonlyMap<number, readonly (readonly [string, string])[]>): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const indent = ' '.repeat(2 + width);
  const out: string[] = [];
  rows.forEach(([label, help], n) => {
    const [first, ...rest] = help.split('\n');
    out.push(`  ${label.padEnd(width)}${first}`);
    for (const line of rest) out.push(`${indent}${line}`);
    const values = valueRows.get(n);
    if (!values) return;
    const valueWidth = Math.max(...values.map(([v]) => v.length)) + 2;
    for (const [value, text] of values) {
      const [line1, ...more] = text.split('\n');
      out.push(`${indent}  ${value.padEnd(valueWidth)}${line1}`);
      for (const line of more) out.push(`${indent}  ${' '.repeat(valueWidth)}${line}`);
    }
  });
  return out.join('\n');
}

/** The whole `--help` text: usage, about, the positionals and every option of the table, notes. */
export function helpText(spec: CommandSpec<OptionTable>): string {
  const [first, ...more] = usageLines(spec);
  const usage = [`Usage: ${first}`, ...more.map((line) => `       ${line}`)].join('\n');
  const rows: (readonly [string, string])[] = [...(spec.positionals?.help ?? [])];
  const valueRows = new Map<number, readonly (readonly [string, string])[]>();
  for (const [key, option] of Object.entries(spec.options)) {
    if ((option.kind === 'enum' || option.kind === 'enums') && option.valueHelp) {
      const { valueHelp } = option;
      valueRows.set(rows.length, option.values.map((v) => [v, valueHelp[v] ?? ''] as const));
    }
    const value = placeholder(option);
    rows.push([value ? `${flagOf(key)} ${value}` : flagOf(key), option.help]);
  }
  if (spec.positionals && (spec.positionals.max ?? 0) > 0) rows.push(['--', "end of options (for arguments that start with '-')"]);
  const sections = [usage, spec.about.trimEnd()];
  if (rows.length) sections.push(tableText(rows, valueRows));
  if (spec.notes) sections.push(spec.notes.trimEnd());
  return `${sections.join('\n\n')}\n`;
}
