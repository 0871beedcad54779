// vitest global setup: bundle the command line once before the tests that run bin/vesalius, so each of
// their ~80 starts runs the bundle (~0.1 s) instead of compiling the sources through tsx (~1.5 s on two
// cores). bin/vesalius falls back to the sources by itself when a file changes after this build.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  execFileSync(process.execPath, [path.join(root, 'build', 'cli.mjs')], { cwd: root, stdio: 'inherit' });
}
