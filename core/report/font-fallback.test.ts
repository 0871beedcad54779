import { describe, expect, it } from 'vitest';
import { describeCharacter, fontFor, fontRuns, needsFallback, printedCharacter } from './font-fallback';

const cp = (s: string): number => s.codePointAt(0)!;
// A Latin font with the replacement character, and a CJK font without it (as DejaVu Sans and Droid Sans Fallback are).
const latin = new Set([...'ABCabc .-\ufffd'].map(cp));
const cjk = new Set([...'山田太郎a'].map(cp));

describe('fontFor', () => {
  it('takes the first font that has the glyph, so the main font keeps the characters both have', () => {
    expect(fontFor([latin, cjk], cp('a'))).toBe(0);
    expect(fontFor([latin, cjk], cp('山'))).toBe(1);
    expect(fontFor([cjk, latin], cp('a'))).toBe(0);
    expect(fontFor([latin, cjk], cp('한'))).toBe(-1);
  });

  it('looks at whole code points (a character outside the BMP is one code point, not two halves)', () => {
    const emoji = new Set([cp('😀')]);
    expect(fontFor([latin, emoji], cp('😀'))).toBe(1);
  });
});

describe('printedCharacter', () => {
  it('prints a character no font has as U+FFFD in the first font that has U+FFFD', () => {
    expect(printedCharacter([cjk, latin], '한')).toEqual({ font: 1, char: '\ufffd', missing: true });
    expect(printedCharacter([cjk, latin], '田')).toEqual({ font: 0, char: '田', missing: false });
  });

  it('falls back to "?" in the first font where no font has U+FFFD', () => {
    expect(printedCharacter([cjk], '한')).toEqual({ font: 0, char: '?', missing: true });
  });
});

describe('fontRuns', () => {
  it('cuts a name into runs of one font each and lists what no font has, each once in order', () => {
    const { runs, missing } = fontRuns([latin, cjk], 'Abc 山田太郎 - 한한 B\u0627');
    expect(runs).toEqual([
      { font: 0, text: 'Abc ' },
      { font: 1, text: '山田太郎' },
      { font: 0, text: ' - \ufffd\ufffd B\ufffd' },
    ]);
    expect(missing).toEqual(['한', '\u0627']);
  });

  it('gives no runs for empty text', () => {
    expect(fontRuns([latin, cjk], '')).toEqual({ runs: [], missing: [] });
  });
});

describe('needsFallback', () => {
  it('is true only when some character is not in the main font', () => {
    expect(needsFallback(latin, 'Abc cab')).toBe(false);
    expect(needsFallback(latin, 'Abc 山')).toBe(true);
  });
});

it('describes a character by its code point', () => {
  expect(describeCharacter('한')).toBe('U+D55C 한');
  expect(describeCharacter('😀')).toBe('U+1F600 😀');
});
