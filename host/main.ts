// `npm run web`: Vesalius in any browser, served from 127.0.0.1 with a per-run token.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { dataDirMissingMessage, projectRoot, resolveDataDir } from '../core/config/data-dir';
import { resolveHome } from '../core/config/home';
import { hostUsage, parseHostFlags } from './cli-flags';
import { openInBrowser } from './open-browser';
import { startHost } from './server';

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseHostFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`vesalius web: ${e instanceof Error ? e.message : String(e)}\n${hostUsage}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(hostUsage);
    return 0;
  }

  let dataDir: string | null;
  if (flags.dataDir !== null) {
    dataDir = path.resolve(flags.dataDir);
    if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
      process.stderr.write(`vesalius web: --data-dir ${dataDir}: not a directory\n`);
      return 2;
    }
  } else {
    dataDir = resolveDataDir();
    if (dataDir === null) process.stderr.write(`note: ${dataDirMissingMessage()}\n`);
  }

  const rendererDir = path.join(projectRoot, 'dist', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    process.stderr.write(`warning: ${rendererDir}/index.html is missing; run \`npm run build:renderer\` first\n`);
  }

  const home = resolveHome();
  // Imported images are embedded for archive search in the background, as in the desktop app.
  const host = await startHost({ port: flags.port, dataDir, home, rendererDir, cacheDir: path.join(projectRoot, '.cache'), search: { autoIndex: true } });
  process.stdout.write(`Vesalius (browser mode): ${host.url}\n`);
  process.stdout.write(`data home: ${home} (set VESALIUS_HOME to use another)\n`);
  if (flags.open && !(await openInBrowser(host.url))) process.stdout.write('(could not open a browser; open the URL above)\n');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`\n${signal}: shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await host.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`vesalius web: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
