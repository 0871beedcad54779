import { parseArgs } from 'node:util';

export interface HostFlags {
  port: number;
  dataDir: string | null;
  open: boolean;
  help: boolean;
}

export const hostUsage = 'Usage: npm run web -- [--port <n>] [--data-dir <dir>] [--no-open]\n';

/** Parses the browser-mode flags; throws an Error naming the bad flag. */
export function parseHostFlags(argv: string[]): HostFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port: expected 0–65535, got '${values.port}'`);
  }
  return { port, dataDir: values['data-dir'] ?? null, open: !values['no-open'], help: values.help ?? false };
}
