import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskKey, pairMaskFolders } from './folder';

describe('maskKey', () => {
  it('strips mask extensions, keeps extension-less files, refuses other files', () => {
    expect(maskKey('a/case1.nii.gz')).toBe('a/case1');
    expect(maskKey('case1.NII')).toBe('case1');
    expect(maskKey('case1.png')).toBe('case1');
    expect(maskKey('series/IM0001')).toBe('series/IM0001');
    expect(maskKey('notes.txt')).toBeNull();
    expect(maskKey('.DS_Store')).toBeNull();
  });
});

describe('pairMaskFolders', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-pair-'));
    const files = ['truth/a.png', 'truth/sub/b.nii.gz', 'truth/c.png', 'truth/d.png', 'truth/d.nii', 'truth/notes.txt', 'pred/a.nii', 'pred/sub/b.png', 'pred/d.png', 'pred/e.png'];
    for (const f of files) {
      await mkdir(path.dirname(path.join(root, f)), { recursive: true });
      await writeFile(path.join(root, f), 'x');
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('pairs by relative stem whatever the extension and reports everything it could not pair', async () => {
    const result = await pairMaskFolders(path.join(root, 'truth'), path.join(root, 'pred'));
    expect(result.pairs.map((p) => [p.key, path.relative(root, p.truthPath), path.relative(root, p.predPath)])).toEqual([
      ['a', 'truth/a.png', 'pred/a.nii'],
      ['sub/b', 'truth/sub/b.nii.gz', 'pred/sub/b.png'],
    ]);
    expect(result.onlyInTruth).toEqual(['c.png']);
    expect(result.onlyInPred).toEqual(['e.png']);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].message).toMatch(/ambiguous case 'd': truth has d\.nii, d\.png/);
    expect(result.ignored).toEqual(['truth/notes.txt']);
  });
});
