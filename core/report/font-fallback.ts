// Which font prints each character of the report (pure: code points and coverage sets; no pdf-lib).
// The fonts are tried in order, so the main font keeps every character it has and a fallback only fills its gaps.

/** The code points one font has glyphs for (a Set of code points fits). */
export interface GlyphCoverage {
  has(codePoint: number): boolean;
}

/** What is printed where no font has the character. */
export const REPLACEMENT_CHARACTER = '\ufffd';

/** The index of the first font with a glyph for `codePoint`; -1 when none has one. */
export function fontFor(coverages: readonly GlyphCoverage[], codePoint: number): number {
  return coverages.findIndex((coverage) => coverage.has(codePoint));
}

/** One character as printed: the font that prints it and the character it prints (the replacement where none has it). */
export interface PrintedCharacter {
  font: number;
  char: string;
  /** No font has the character: `char` is the replacement (or '?' where no font has that either). */
  missing: boolean;
}

/**
 * The font and the printed character for `char` (one code point): the first font that has it, else U+FFFD
 * in the first font that has that, else '?' in the first font (every font has ASCII).
 */
export function printedCharacter(coverages: readonly GlyphCoverage[], char: string): PrintedCharacter {
  const font = fontFor(coverages, char.codePointAt(0)!);
  if (font >= 0) return { font, char, missing: false };
  const replacement = fontFor(coverages, REPLACEMENT_CHARACTER.codePointAt(0)!);
  return replacement >= 0 ? { font: replacement, char: REPLACEMENT_CHARACTER, missing: true } : { font: 0, char: '?', missing: true };
}

/** A stretch of text printed in one font. */
export interface FontRun {
  font: number;
  text: string;
}

/** The text cut into runs of one font each (characters no font has replaced), and the characters no font has, each once in order of appearance. */
export function fontRuns(coverages: readonly GlyphCoverage[], text: string): { runs: FontRun[]; missing: string[] } {
  const runs: FontRun[] = [];
  const missing: string[] = [];
  for (const ch of text) {
    const printed = printedCharacter(coverages, ch);
    if (printed.missing && !missing.includes(ch)) missing.push(ch);
    const last = runs[runs.length - 1];
    if (last && last.font === printed.font) last.text += printed.char;
    else runs.push({ font: printed.font, text: printed.char });
  }
  return { runs, missing };
}

/** Whether some character of `text` is not in the first font (only then does the PDF need a fallback font). */
export function needsFallback(primary: GlyphCoverage, text: string): boolean {
  for (const ch of text) if (!primary.has(ch.codePointAt(0)!)) return true;
  return false;
}

/** "U+D55C 한" for the export's list of characters no font has. */
export const describeCharacter = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${ch}`;
