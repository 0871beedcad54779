import type { TokenizerJson } from './schemas';

const UNK = '<unk>';
/** Decoding puts a space before a token only when it starts like a word (or is `<unk>`): `.`/`,`/`-`/`?` attach. */
const WORDLIKE = /^[a-z0-9]/;
/** Tokens that join their neighbours: `x - ray` decodes as `x-ray`, `t1 / t2` as `t1/t2`. */
const JOINERS = new Set(['-', '/', "'"]);
/** A letter or a digit in any script. */
const WORD_CHARACTER = /[\p{L}\p{N}]/u;
const looksSpecial = (token: string): boolean => /^<[^<>\s]+>$/.test(token);

/** Python's `re` matches whole code points, so prefer the Unicode flag; fall back for patterns it rejects. */
function compileSplitPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'gu');
  } catch {
    return new RegExp(pattern, 'g');
  }
}

/**
 * The word-level tokenizer of tokenizer.json, matching models/training/tokenizer.py. Pure TypeScript
 * (no Node imports), so the renderer can use it too.
 * Encoding: lowercase → all matches of split_pattern → ids (unknown words → `<unk>`).
 * Decoding: special tokens except `<unk>` are dropped (an unknown id reads `<unk>`); tokens are joined
 * with single spaces, except that no space goes before a token that does not start with [a-z0-9] nor after a
 * joiner (`-`, `/`, `'`).
 */
export class WordLevelTokenizer {
  private readonly idToToken: Map<number, string>;
  private readonly splitPattern: RegExp;
  private readonly dropped: Set<string>;
  readonly unkId: number;

  constructor(private readonly json: TokenizerJson) {
    this.idToToken = new Map(Object.entries(json.vocab).map(([token, id]) => [id, token]));
    this.splitPattern = compileSplitPattern(json.split_pattern);
    const specials = json.special_tokens ?? Object.keys(json.vocab).filter(looksSpecial);
    this.dropped = new Set(specials.filter((t) => t !== UNK));
    const unk = json.vocab[UNK];
    if (unk === undefined) throw new Error('tokenizer.json: vocab lacks <unk>');
    this.unkId = unk;
  }

  get vocabSize(): number {
    return this.idToToken.size;
  }

  /** The words (pieces) of a text, before mapping to ids. */
  split(text: string): string[] {
    const normalized = this.json.lowercase ? text.toLowerCase() : text;
    return Array.from(normalized.matchAll(this.splitPattern), (m) => m[0]).filter((piece) => piece.length > 0);
  }

  /**
   * The pieces that count as words: those containing a letter or a digit (punctuation pieces do not).
   * The question rules (too long, mostly unknown) count these, as models/training does.
   */
  words(text: string): string[] {
    return this.split(text).filter((piece) => WORD_CHARACTER.test(piece));
  }

  /** Whether a piece maps to `<unk>`. */
  isUnknown(piece: string): boolean {
    return this.json.vocab[piece] === undefined;
  }

  encode(text: string): number[] {
    return this.split(text).map((piece) => this.json.vocab[piece] ?? this.unkId);
  }

  /** The id of a token that must exist (special tokens); throws naming the token otherwise. */
  tokenId(token: string): number {
    const id = this.json.vocab[token];
    if (id === undefined) throw new Error(`tokenizer.json: vocab lacks ${token}`);
    return id;
  }

  tokenOf(id: number): string | undefined {
    return this.idToToken.get(id);
  }

  decode(ids: readonly number[]): string {
    let text = '';
    let previous = '';
    for (const id of ids) {
      const token = this.idToToken.get(id) ?? UNK;
      if (this.dropped.has(token)) continue;
      if (text.length > 0 && (WORDLIKE.test(token) || token === UNK) && !JOINERS.has(previous)) text += ' ';
      text += token;
      previous = token;
    }
    return text;
  }
}
