import { describe, expect, it } from 'vitest';
import { UsageError } from './command';
import { defineCommand, flagOf, helpText, orList, parseCommandLine, usageLines } from './options';

const command = defineCommand({
  name: 'demo',
  positionals: { synopsis: '<file>...', min: 1, max: 2, missing: 'give a file', help: [['<file>', 'a file to read']] },
  about: 'Does a demo.',
  options: {
    out: { kind: 'string', value: '<dir>', required: 'where to write', help: 'the folder\nit writes to' },
    dataDir: { kind: 'string', value: 'DIR', default: '/data', help: 'the data' },
    json: { kind: 'boolean', help: 'print JSON' },
    in: { kind: 'strings', value: '<dir>', help: 'a folder (repeatable)' },
    k: { kind: 'int', min: 1, max: 50, default: 10, help: 'how many' },
    limit: { kind: 'int', min: 1, help: 'at most N' },
    scale: { kind: 'float', min: 0, max: 1, help: 'a fraction' },
    method: { kind: 'enum', values: ['majority', 'staple'], default: 'majority', help: 'how:', valueHelp: { majority: 'more than half', staple: 'STAPLE' } },
    option: { kind: 'enums', values: ['a', 'b', 'c'], value: 'NAME', help: 'options' },
    pair: {
      kind: 'custom',
      value: 'X,Y',
      help: 'two numbers',
      parse: (text: string, flag: string): [number, number] => {
        const parts = text.split(',').map(Number);
        if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new UsageError(`${flag} takes X,Y (got '${text}')`);
        return [parts[0], parts[1]];
      },
    },
  },
  notes: 'Exit status: 0.',
});

const parse = (...argv: string[]) => parseCommandLine(command, argv);
const values = (...argv: string[]) => {
  const parsed = parse('f', '--out', 'o', ...argv);
  if (parsed === 'help') throw new Error('help');
  return parsed.values;
};
const usageError = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  it('fills defaults, empty lists and false flags; leaves the rest undefined', () => {
    expect(values()).toEqual({ out: 'o', dataDir: '/data', json: false, in: [], k: 10, method: 'majority', option: [] });
  });

  it('reads --x v and --x=v alike, the flag being the key in kebab case', () => {
    expect(values('--data-dir', '/d').dataDir).toBe('/d');
    expect(values('--data-dir=/d').dataDir).toBe('/d');
    expect(values('--data-dir=a=b').dataDir).toBe('a=b');
    expect(flagOf('noConsensus')).toBe('--no-consensus');
  });

  it('keeps the positionals in order, with everything after -- and a lone -', () => {
    const parsed = parse('a', '--out', 'o', '--', '--json');
    expect(parsed !== 'help' && parsed.positionals).toEqual(['a', '--json']);
    const dash = parse('-', '--out', 'o');
    expect(dash !== 'help' && dash.positionals).toEqual(['-']);
  });

  it('answers help for --help or -h wherever it stands, before any other check', () => {
    expect(parse('--help')).toBe('help');
    expect(() => parse('--bogus', '-h')).toThrow(UsageError); // the unknown option is met first
    expect(parse('-h', '--bogus')).toBe('help');
  });

  it('boolean: true when given; a value is refused', () => {
    expect(values('--json').json).toBe(true);
    expect(usageError('f', '--out', 'o', '--json=no')).toBe("--json takes no value (got 'no')");
  });

  it('repeatable strings collect every occurrence in order', () => {
    expect(values('--in', 'x', '--in=y').in).toEqual(['x', 'y']);
  });

  it('int: decimal digits within the bounds, the bounds named when refused', () => {
    expect(values('--k', '50').k).toBe(50);
    expect(values('--limit', '7').limit).toBe(7);
    expect(usageError('f', '--out', 'o', '--k', '0')).toBe("--k takes a whole number from 1 to 50 (got '0')");
    expect(usageError('f', '--out', 'o', '--k', '51')).toBe("--k takes a whole number from 1 to 50 (got '51')");
    for (const bad of ['1.5', '1e1', '0x10', ' 5', 'many']) expect(usageError('f', '--out', 'o', '--limit', bad)).toBe(`--limit takes a whole number from 1 (got '${bad}')`);
  });

  it('float: a decimal number within the bounds', () => {
    expect(values('--scale', '0.25').scale).toBe(0.25);
    expect(values('--scale', '1e-1').scale).toBe(0.1);
    expect(values('--scale=.5').scale).toBe(0.5);
    for (const bad of ['1.5', '-0.1', 'nan', '0x1', 'Infinity']) expect(usageError('f', '--out', 'o', '--scale', bad)).toBe(`--scale takes a number from 0 to 1 (got '${bad}')`);
  });

  it('enum: one of the values; a bad one is refused naming the allowed ones', () => {
    expect(values('--method', 'staple').method).toBe('staple');
    expect(usageError('f', '--out', 'o', '--method', 'vote')).toBe("--method 'vote' is not 'majority' or 'staple'");
  });

  it('enums: repeated or comma-separated, each kept once in order; a bad one named', () => {
    expect(values('--option', 'b,a', '--option', 'b', '--option=c').option).toEqual(['b', 'a', 'c']);
    expect(usageError('f', '--out', 'o', '--option', 'a,z')).toBe("--option 'z' is not 'a', 'b' or 'c'");
  });

  it('custom: the parser gives the value and its own error', () => {
    expect(values('--pair', '1,2').pair).toEqual([1, 2]);
    expect(usageError('f', '--out', 'o', '--pair', '1')).toBe("--pair takes X,Y (got '1')");
  });

  it('an option without its value, or with an empty one, is refused naming the option', () => {
    expect(usageError('f', '--out')).toBe('--out needs a value');
    expect(usageError('f', '--out=')).toBe('--out needs a value');
    expect(usageError('f', '--out', '')).toBe('--out needs a value');
  });

  it('an unknown option is named, with the command and the options it takes', () => {
    expect(usageError('f', '--frobnicate')).toBe(
      "unknown option '--frobnicate' (vesalius demo takes --out, --data-dir, --json, --in, --k, --limit, --scale, --method, --option, --pair, --help)",
    );
    expect(usageError('f', '--frobnicate=1')).toMatch(/^unknown option '--frobnicate' /);
    expect(usageError('f', '-x')).toMatch(/^unknown option '-x' /);
  });

  it('checks the positionals, then the required options', () => {
    expect(usageError()).toBe('give a file');
    expect(usageError('a', 'b', 'c', '--out', 'o')).toBe("unexpected argument 'c'");
    expect(usageError('a')).toBe('--out is required (where to write)');
    const bare = defineCommand({ name: 'bare', about: '', options: { split: { kind: 'enum', values: ['val', 'test'], required: true, help: '' } } });
    expect(() => parseCommandLine(bare, [])).toThrow(new UsageError('--split is required (val or test)'));
    expect(() => parseCommandLine(bare, ['x'])).toThrow(new UsageError("unexpected argument 'x'"));
  });
});

describe('help from the table', () => {
  it('usage line: the positionals, the required options, then the others in brackets', () => {
    expect(usageLines(command)).toEqual([
      'vesalius demo <file>... --out <dir> [--data-dir DIR] [--json] [--in <dir>]... [--k N] [--limit N] [--scale N] [--method majority|staple] [--option NAME]... [--pair X,Y]',
    ]);
    expect(usageLines({ ...command, synopsis: ['vesalius demo a', 'vesalius demo b'] })).toEqual(['vesalius demo a', 'vesalius demo b']);
  });

  it('help: usage, about, a row per positional and option with continuation lines and values indented, notes', () => {
    const text = helpText(command);
    expect(text).toBe(`Usage: vesalius demo <file>... --out <dir> [--data-dir DIR] [--json] [--in <dir>]... [--k N] [--limit N] [--scale N] [--method majority|staple] [--option NAME]... [--pair X,Y]

Does a demo.

  <file>                    a file to read
  --out <dir>               the folder
                            it writes to
  --data-dir DIR            the data
  --json                    print JSON
  --in <dir>                a folder (repeatable)
  --k N                     how many
  --limit N                 at most N
  --scale N                 a fraction
  --method majority|staple  how:
                              majority  more than half
                              staple    STAPLE
  --option NAME             options
  --pair X,Y                two numbers
  --                        end of options (for arguments that start with '-')

Exit status: 0.
`);
  });

  it('names every option the parser takes, and a second form of usage lines under the first', () => {
    const text = helpText({ ...command, synopsis: ['vesalius demo a', 'vesalius demo b'] });
    expect(text.startsWith('Usage: vesalius demo a\n       vesalius demo b\n')).toBe(true);
    for (const key of Object.keys(command.options)) expect(text).toContain(`  ${flagOf(key)}`);
  });

  it('orList', () => {
    expect([orList([]), orList(['a']), orList(['a', 'b']), orList(['a', 'b', 'c'])]).toEqual(['', 'a', 'a or b', 'a, b or c']);
  });
});
