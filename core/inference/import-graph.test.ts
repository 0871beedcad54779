import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const coreDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every source file of core/ (tests excluded: a test is its own composition root and may start a real worker). */
function coreSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : coreSources(file);
    return /\.(ts|mts|cts)$/.test(entry.name) && !/\.test\.ts$|\.fixture\.ts$/.test(entry.name) ? [file] : [];
  });
}

/** The module specifiers a file imports or re-exports, statically or with import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

describe('core/ import graph', () => {
  it('imports nothing from workers/ (the composition roots inject the inference client)', () => {
    const files = coreSources(coreDir);
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(coreDir + path.sep)) offenders.push(`${path.relative(coreDir, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('finds an import that leaves core/ (the check itself works)', () => {
    expect(specifiers("import { a } from '../../workers/inference/client';\nexport * from './x';\nconst m = await import('../y');")).toEqual(['../../workers/inference/client', './x', '../y']);
  });
});
