import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelPng } from './mask-fixtures';
import { scoreMaskFolders } from './score-pairs';

describe.skipIf(process.platform === 'win32')('scoreMaskFolders with files that are not regular files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-score-special-'));
    await mkdir(path.join(root, 'truth'));
    await mkdir(path.join(root, 'pred'));
    const png = labelPng(2, 1, [1, 0]);
    for (const side of ['truth', 'pred']) await writeFile(path.join(root, side, 'a.png'), png);
    execFileSync('mkfifo', [path.join(root, 'truth', 'b.nii')]);
    await writeFile(path.join(root, 'pred', 'b.nii'), png);
    // A link to a regular mask is read through (the file it points to is what fstat checks).
    await writeFile(path.join(root, 'c-target.png'), png);
    await symlink(path.join(root, 'c-target.png'), path.join(root, 'truth', 'c.png'));
    await writeFile(path.join(root, 'pred', 'c.png'), png);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('scores the regular pairs, reads a symlinked mask, and names the FIFO once with its reason (no hang)', async () => {
    const started = Date.now();
    const result = await scoreMaskFolders(path.join(root, 'truth'), path.join(root, 'pred'), { emptyRule: 'one' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.cases.map((c) => path.basename(c.truthPath))).toEqual(['a.png', 'c.png']);
    const fifo = path.join(root, 'truth', 'b.nii');
    expect(result.errors.map((e) => e.message)).toEqual([`${fifo}: is a FIFO (named pipe), not a regular file; only regular files are read as masks`]);
  });
});
