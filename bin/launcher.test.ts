import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// bin/vesalius in a copy of the project's layout whose bundle and sources only say which one ran.
describe('bin/vesalius picks the bundle only while it is fresh', () => {
  let root: string;
  const source = (): string => path.join(root, 'cli', 'input.ts');
  const run = (env: NodeJS.ProcessEnv = {}): string => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'vesalius'), 'a', 'b'], { encoding: 'utf8', env: { ...process.env, VESALIUS_CLI: '', ...env } });
    if (r.status !== 0) throw new Error(`bin/vesalius exited ${r.status}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const writeBundle = async (startedAt: number): Promise<void> => {
    await writeFile(path.join(root, 'dist', 'cli', 'vesalius.mjs'), "console.log('bundle', process.argv.slice(2).join(' '));\n");
    await writeFile(path.join(root, 'dist', 'cli', 'inputs.json'), JSON.stringify({ startedAt, inputs: [source()] }));
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-launcher-'));
    await mkdir(path.join(root, 'bin'));
    await mkdir(path.join(root, 'cli'));
    await mkdir(path.join(root, 'dist', 'cli'), { recursive: true });
    await mkdir(path.join(root, 'node_modules'));
    await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n');
    await copyFile(path.join(projectRoot, 'bin', 'vesalius'), path.join(root, 'bin', 'vesalius'));
    await writeFile(path.join(root, 'bin', 'cli.ts'), "const args: string[] = process.argv.slice(2);\nconsole.log('sources', args.join(' '));\n");
    await symlink(path.join(projectRoot, 'node_modules', 'tsx'), path.join(root, 'node_modules', 'tsx'));
    await writeFile(source(), 'export {};\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('runs the sources through tsx when there is no bundle', async () => {
    await rm(path.join(root, 'dist', 'cli', 'inputs.json'), { force: true });
    expect(run()).toBe('sources a b');
  });

  it('runs the bundle when no input changed since its build began, the sources once one did or went', async () => {
    const past = new Date(Date.now() - 60_000);
    await utimes(source(), past, past);
    await writeBundle(Date.now() - 1000);
    expect(run()).toBe('bundle a b');
    expect(run({ VESALIUS_CLI: 'sources' })).toBe('sources a b');

    await utimes(source(), new Date(), new Date()); // edited after the build began
    expect(run()).toBe('sources a b');
    expect(run({ VESALIUS_CLI: 'bundle' })).toBe('bundle a b');

    await utimes(source(), past, past);
    await writeBundle(Date.now() - 1000); // rebuilt
    expect(run()).toBe('bundle a b');
    await rm(source());
    expect(run()).toBe('sources a b');
  });
});
