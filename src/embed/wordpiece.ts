import { readFileSync } from 'node:fs';
import { ReasonError } from '../util/errors.js';

// BERT's uncased WordPiece tokenizer (the one all-MiniLM-L6-v2 was trained with), written out so the
// embedder needs no native tokenizer library: BertNormalizer (clean text, space around CJK
// ideographs, lowercase, strip accents), BertPreTokenizer (split on whitespace and punctuation), then
// greedy longest-match-first WordPiece. Mirrors huggingface/tokenizers `normalizers/bert.rs`,
// `pre_tokenizers/bert.rs` and `models/wordpiece`. Chinese text becomes one token per character,
// which is what the BERT vocabulary supports (it holds ~5k single CJK characters).

export class TokenizerError extends ReasonError<'TokenizerInvalid'> {}

export interface Encoding {
  /** [CLS] tokens… [SEP], truncated to maxTokens. */
  ids: number[];
}

const MAX_CHARS_PER_WORD = 100;

function isControl(cp: number): boolean {
  if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return false;
  return /\p{Cc}|\p{Cf}/u.test(String.fromCodePoint(cp));
}

function isWhitespace(cp: number): boolean {
  return cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d || /\s/u.test(String.fromCodePoint(cp));
}

// The CJK Unified Ideographs blocks BERT surrounds with spaces (tokenization.py `_is_chinese_char`).
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

// BERT treats every ASCII non-alphanumeric symbol as punctuation, plus Unicode P* categories.
function isPunctuation(cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(String.fromCodePoint(cp));
}

/** BertNormalizer + BertPreTokenizer: the words WordPiece then splits. */
export function basicTokens(text: string): string[] {
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0 || cp === 0xfffd || isControl(cp)) continue;
    if (isWhitespace(cp)) cleaned += ' ';
    else if (isCjk(cp)) cleaned += ` ${ch} `;
    else cleaned += ch;
  }
  // Lowercase, then strip accents (NFD and drop combining marks), as the uncased model expects.
  const normalised = cleaned
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
  const out: string[] = [];
  for (const word of normalised.split(' ')) {
    if (word === '') continue;
    let current = '';
    for (const ch of word) {
      if (isPunctuation(ch.codePointAt(0) as number)) {
        if (current) out.push(current);
        out.push(ch);
        current = '';
      } else current += ch;
    }
    if (current) out.push(current);
  }
  return out;
}

export class WordPieceTokenizer {
  private readonly cls: number;
  private readonly sep: number;
  private readonly unk: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly maxTokens = 128,
  ) {
    const id = (t: string): number => {
      const v = vocab.get(t);
      if (v === undefined) throw new TokenizerError('TokenizerInvalid', `vocabulary has no ${t} token`);
      return v;
    };
    this.cls = id('[CLS]');
    this.sep = id('[SEP]');
    this.unk = id('[UNK]');
  }

  /** Reads the vocabulary of a Hugging Face `tokenizer.json` whose model is WordPiece. */
  static fromTokenizerJson(path: string, maxTokens?: number): WordPieceTokenizer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new TokenizerError('TokenizerInvalid', `cannot read ${path}`, { cause: err });
    }
    const model = (parsed as { model?: { type?: string; vocab?: Record<string, number> } }).model;
    if (model?.type !== 'WordPiece' || typeof model.vocab !== 'object') {
      throw new TokenizerError('TokenizerInvalid', `${path} is not a WordPiece tokenizer.json`);
    }
    const truncation = (parsed as { truncation?: { max_length?: number } }).truncation;
    return new WordPieceTokenizer(new Map(Object.entries(model.vocab)), maxTokens ?? truncation?.max_length ?? 128);
  }

  private wordPieces(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > MAX_CHARS_PER_WORD) {
      out.push(this.unk);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      // A word with any unmatchable piece becomes one [UNK], as in BERT.
      if (found === undefined) {
        out.push(this.unk);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  }

  encode(text: string): Encoding {
    const ids: number[] = [this.cls];
    const budget = this.maxTokens - 1;
    for (const word of basicTokens(text)) {
      this.wordPieces(word, ids);
      if (ids.length >= budget) break;
    }
    ids.length = Math.min(ids.length, budget);
    ids.push(this.sep);
    return { ids };
  }

  /** Share of a text's word pieces the vocabulary knows (1 for an empty text). */
  coverage(text: string): number {
    const ids = this.encode(text).ids.slice(1, -1);
    if (ids.length === 0) return 1;
    return ids.filter((i) => i !== this.unk).length / ids.length;
  }

  /** The vocabulary strings of ids (tests and debugging). */
  tokens(ids: readonly number[]): string[] {
    const inverse = new Map<number, string>();
    for (const [t, i] of this.vocab) inverse.set(i, t);
    return ids.map((i) => inverse.get(i) ?? '[?]');
  }
}
