import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFiles, type WalkResult } from './walk';
import { sequentialWalk } from './walk-reference';

const isRoot = process.getuid?.() === 0;
let workDir: string;
let root: string;
let inputs: string[];

/**
 * A tree with what makes walk order matter: nested folders, a level wider than the read-ahead
 * bound (300 folders), a link to a folder that comes later (visited first through the link), a
 * link into that folder's subfolder (seen by then), a link to a file seen before, a loop, a broken link, a FIFO, names that sort by code unit
 * (upper case, accents), and `locked/` (mode 000), unreadable to anyone but root.
 */
function writeTree(dir: string): void {
  const file = (p: string): void => {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), p);
  };
  for (const p of ['A/x.dcm', 'a/f0.dcm', 'a/f1.dcm', 'a/b/g.dcm', 'a/b/c/h.dcm', 'zz/z.dcm', 'zz/deeper/y.dcm', 'é/e.dcm', 'locked/inner.dcm', 'locked/sub/deep.dcm']) file(p);
  for (let i = 0; i < 300; i++) {
    const folder = `wide/d${String(i).padStart(3, '0')}`;
    file(`${folder}/s.dcm`);
    if (i % 10 === 0) file(`${folder}/sub/t.dcm`);
    if (i % 50 === 0) symlinkSync(path.join(dir, 'a'), path.join(dir, folder, 'back'));
  }
  mkdirSync(path.join(dir, 'links'));
  symlinkSync(path.join(dir, 'zz'), path.join(dir, 'links', 'aa-late'));
  symlinkSync(path.join(dir, 'zz', 'deeper'), path.join(dir, 'links', 'ab-inside-late')); // seen inside aa-late just before
  symlinkSync(path.join(dir, 'a', 'f0.dcm'), path.join(dir, 'links', 'file-dup.dcm'));
  symlinkSync(dir, path.join(dir, 'links', 'loop'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'links', 'broken.dcm'));
  execFileSync('mkfifo', [path.join(dir, 'links', 'pipe')]);
  chmodSync(path.join(dir, 'locked'), 0o000);
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'vesalius-walk-'));
  chmodSync(workDir, 0o755); // the unprivileged child must get in
  root = path.join(workDir, 'tree');
  writeTree(root);
  // Overlapping inputs: a folder inside the tree, a file inside it, and one that does not exist.
  inputs = [root, path.join(root, 'a', 'b'), path.join(root, 'zz', 'z.dcm'), path.join(root, 'missing')];
});
afterAll(() => {
  chmodSync(path.join(root, 'locked'), 0o755);
  rmSync(workDir, { recursive: true, force: true });
});

/** The walk and the sequential reference, run by a user the locked folder refuses (root ignores modes). */
function walkAsUnprivileged(): { readAhead: WalkResult; sequential: WalkResult } {
  const script = `
    const { collectFiles } = await import(${JSON.stringify(path.resolve('core/dicom/walk.ts'))});
    const { sequentialWalk } = await import(${JSON.stringify(path.resolve('core/dicom/walk-reference.ts'))});
    const inputs = JSON.parse(process.argv[1]);
    console.log(JSON.stringify({ readAhead: await collectFiles(inputs), sequential: sequentialWalk(inputs) }));`;
  const nodeArgs = ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(inputs)];
  const [command, args] = isRoot
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return JSON.parse(execFileSync(command, args, { encoding: 'utf8' })) as { readAhead: WalkResult; sequential: WalkResult };
}

describe('collectFiles reads folders ahead, and decides as a sequential walk does', () => {
  it('gives the same files and errors, in the same order, as a sequential walk', async () => {
    const result = await collectFiles(inputs);
    expect(result).toEqual(sequentialWalk(inputs));

    const relative = result.files.map((f) => path.relative(root, f));
    // 10 written outside wide/ (zz/ named by the link that reaches it first), 300 + 30 in wide/.
    expect(relative).toHaveLength(10 + 330);
    expect(new Set(relative).size).toBe(relative.length);
    // Walk order decides which path names a file reached twice.
    expect(relative.slice(0, 5)).toEqual(['A/x.dcm', 'a/b/c/h.dcm', 'a/b/g.dcm', 'a/f0.dcm', 'a/f1.dcm']);
    expect(relative).toContain('links/aa-late/z.dcm');
    expect(relative).toContain('links/aa-late/deeper/y.dcm');
    expect(relative.filter((f) => f.startsWith('zz/'))).toEqual([]);
    expect(relative).not.toContain('links/file-dup.dcm');
    expect(relative.indexOf('wide/d000/s.dcm')).toBeLessThan(relative.indexOf('wide/d000/sub/t.dcm'));
    expect(relative.indexOf('wide/d000/sub/t.dcm')).toBeLessThan(relative.indexOf('wide/d001/s.dcm'));
    expect(relative.at(-1)).toBe('é/e.dcm');
    expect(result.errors.map((e) => [path.relative(root, e.path), e.reason.split(':')[0]])).toEqual([
      ['links/broken.dcm', 'broken symbolic link'],
      ['links/pipe', 'not a regular file (a FIFO)'],
      ['missing', 'cannot access'],
    ]);
  });

  it('reports a folder it may not read, in walk order, the same as a sequential walk (as a user the folder refuses)', () => {
    const { readAhead, sequential } = walkAsUnprivileged();
    expect(readAhead).toEqual(sequential);
    expect(readAhead.errors.map((e) => path.relative(root, e.path))).toEqual(['links/broken.dcm', 'links/pipe', 'locked', 'missing']);
    expect(readAhead.errors[2]).toEqual({ path: path.join(root, 'locked'), code: 'unreadable', reason: 'folder could not be read: permission denied' });
    expect(readAhead.files.some((f) => f.includes(`${path.sep}locked${path.sep}`))).toBe(false);
    expect(readAhead.files).toHaveLength(10 - 2 + 330);
  });

  it('stops promptly when cancelled part way, with the cancel reason', async () => {
    const controller = new AbortController();
    const found: number[] = [];
    const walk = collectFiles([root], controller.signal, (count) => {
      found.push(count);
      if (count === 20) controller.abort(new Error('cancelled by the test'));
    });
    await expect(walk).rejects.toThrow('cancelled by the test');
    // The walk stops at the next folder: at most one folder's files after the cancel.
    expect(found.length).toBeLessThan(25);
  });
});
