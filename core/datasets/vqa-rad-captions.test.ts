import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import { captionsByImage, type VqaRadQa } from './vqa-rad-captions';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));
const python = readJson(path.join(fixtures, 'vqa-rad-captions-python.json'));

describe('captionsByImage (captions.py captions_by_image)', () => {
  it('equals the Python captions of the parity rows', () => {
    const { rows } = readJson(path.join(fixtures, 'vqa-rad-captions-inputs.json')) as { rows: VqaRadQa[] };
    expect(Object.fromEntries(captionsByImage(rows))).toEqual(python.captions);
  });

  const dataDir = resolveDataDir();
  const vqa = dataDir && path.join(dataDir, 'vqa-rad');
  const haveReal = vqa !== null && existsSync(path.join(vqa, 'trainset.json')) && python.real_vqa_rad;
  it.skipIf(!haveReal)(`derives the real VQA-RAD captions Python derives (digest)${haveReal ? '' : ` — skipped: ${dataDirMissingMessage()}`}`, () => {
    const rows = [...readJson(path.join(vqa!, 'trainset.json')), ...readJson(path.join(vqa!, 'testset.json'))] as VqaRadQa[];
    const captions = captionsByImage(rows);
    expect(captions.size).toBe(python.real_vqa_rad.images);
    const text = [...captions].map(([image, caption]) => `${image}\t${caption}\n`).join('');
    expect(createHash('sha256').update(text, 'utf8').digest('hex')).toBe(python.real_vqa_rad.sha256);
  });
});
