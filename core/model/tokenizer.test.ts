import { describe, expect, it } from 'vitest';
import { loadModelFolder } from './config';
import { readReferenceManifest, readReferenceTensor } from './reference';
import { WordLevelTokenizer } from './tokenizer';
import { parityModelDirs, tinyRandomDir } from './test-models';

const folder = loadModelFolder(tinyRandomDir);
const tokenizer = new WordLevelTokenizer(folder.tokenizer);
const id = (token: string) => tokenizer.tokenId(token);

describe('WordLevelTokenizer', () => {
  it('lowercases and splits words and punctuation like the Python findall', () => {
    expect(tokenizer.split('Is there a PNEUMOTHORAX?')).toEqual(['is', 'there', 'a', 'pneumothorax', '?']);
    expect(tokenizer.split('X-ray,  axial.')).toEqual(['x', '-', 'ray', ',', 'axial', '.']);
  });

  it('encodes known words to their ids and unknown words to <unk>', () => {
    expect(tokenizer.encode('is there a pneumothorax?')).toEqual([id('is'), id('there'), id('a'), id('pneumothorax'), id('?')]);
    expect(tokenizer.encode('zebra lung')).toEqual([id('<unk>'), id('lung')]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('decodes with no space before punctuation or after a joiner, without special tokens (except <unk>)', () => {
    const ids = [id('<bos>'), id('<caption>'), id('chest'), id('x'), id('-'), id('ray'), id(','), id('no'), id('effusion'), id('.'), id('<eos>')];
    expect(tokenizer.decode(ids)).toBe('chest x-ray, no effusion.');
    // a joiner at the end, or before punctuation, changes nothing else
    expect(tokenizer.decode([id('x'), id('-')])).toBe('x-');
    expect(tokenizer.decode([id('x'), id('-'), id(','), id('lung')])).toBe('x-, lung');
    expect(tokenizer.decode([id('<unk>'), id('lung'), 9999])).toBe('<unk> lung <unk>');
  });

  it('round-trips normalised text', () => {
    for (const text of ['is there a pneumothorax?', 'axial ct, the head, no mass.', 'left lung']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });
});

describe.each(parityModelDirs())('tokenizer agrees with the ids the exporter wrote (%s)', (modelDir) => {
  const modelFolder = loadModelFolder(modelDir);
  const tok = new WordLevelTokenizer(modelFolder.tokenizer);
  const manifest = readReferenceManifest(modelDir);
  const withText = manifest.cases.flatMap((c) => {
    const spec = c.inputs.input_ids ?? c.inputs.prompt_ids;
    return c.text !== undefined && spec ? [[c.name, c.text, spec] as const] : [];
  });

  it('has cases with text', () => expect(withText.length).toBeGreaterThanOrEqual(3));

  it.each(withText)('%s', (_name, text, spec) => {
    const expected = Array.from(readReferenceTensor(modelDir, spec) as BigInt64Array, Number);
    // Special tokens are written literally in the text; the words between them go through encode().
    const ids = text.split(/(<[a-z]+>)/).flatMap((part) => (/^<[a-z]+>$/.test(part) ? [tok.tokenId(part)] : tok.encode(part)));
    expect(ids).toEqual(expected);
  });
});
