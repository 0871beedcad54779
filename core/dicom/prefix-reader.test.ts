import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../config/data-dir';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vesalius-prefix-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tsxLoader = pathToFileURL(path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
const readerModule = pathToFileURL(path.join(projectRoot, 'core', 'dicom', 'prefix-reader.ts')).href;

/** Runs a script in a fresh Node process; resolves with its exit code, or 'hung' when it does not end by itself. */
let scripts = 0;
function runAlone(script: string): Promise<number | 'hung'> {
  const scriptPath = path.join(tmp, `script-${++scripts}.mjs`);
  writeFileSync(scriptPath, script);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsxLoader, scriptPath], { timeout: 20_000 }, (error, _stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) return resolve('hung');
      if (error) console.error(stderr);
      resolve(error ? ((error as { code?: number }).code ?? 1) : 0);
    });
  });
}

describe('PrefixReader', () => {
  it('never holds the process open while idle: neither unused nor after a read', async () => {
    const file = path.join(tmp, 'a.bin');
    writeFileSync(file, Buffer.alloc(100, 7));
    // Unused (an unchanged re-import starts the thread and reads nothing through it): the process must end.
    expect(await runAlone(`const { PrefixReader } = await import(${JSON.stringify(readerModule)}); new PrefixReader();`)).toBe(0);
    // After a read, with the reply awaited: the read completes, then the process ends.
    const afterRead = `
      const { PrefixReader } = await import(${JSON.stringify(readerModule)});
      const { files } = await new PrefixReader().read([${JSON.stringify(file)}], 16);
      if (!files[0].ok || files[0].size !== 100) process.exit(3);`;
    expect(await runAlone(afterRead)).toBe(0);
  });
});
