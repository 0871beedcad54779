// Runs every benchmark in bench/*.bench.ts, or those named (`npx tsx bench/run.ts memory metrics`); each exports `run(): Promise<void>` and prints its own ratios.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
// `--flag value` pairs are a bench's own options (it reads them from process.argv), not bench names.
const args = process.argv.slice(2);
const only = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1]?.startsWith('--') ?? false));
const all = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts'));
// A bench's whole name (`memory`) picks that one alone; otherwise a name picks every bench containing it.
const picked = (o: string): string[] => (all.includes(`${o}.bench.ts`) ? [`${o}.bench.ts`] : all.filter((f) => f.includes(o)));
const files = (only.length === 0 ? all : [...new Set(only.flatMap(picked))]).sort();

for (const file of files) {
  console.log(`\n== ${file} ==`);
  const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
