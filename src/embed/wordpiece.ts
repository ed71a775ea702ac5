import { readFileSync } from 'node:fs';
import { ReasonError } from '../util/errors.js';

// BERT's WordPiece tokenizer, written out so the embedder needs no native tokenizer library:
// BertNormalizer (clean text, space around CJK ideographs, strip accents, lowercase — each as the
// tokenizer.json says: all-MiniLM-L6-v2 is uncased, bge-small-zh-v1.5 keeps case and accents),
// BertPreTokenizer (split on whitespace and punctuation), then greedy longest-match-first WordPiece.
// Mirrors huggingface/tokenizers `normalizers/bert.rs`, `pre_tokenizers/bert.rs` and `models/wordpiece`.
// Chinese text becomes one token per character, which is what BERT vocabularies hold (the English one
// ~5k single CJK characters, bert-base-chinese's — bge-small-zh's — ~21k).

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

/** A tokenizer.json `BertNormalizer`'s switches (`strip_accents: null` there means: as `lowercase`). */
export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
}

/** BERT uncased (all-MiniLM-L6-v2's tokenizer.json), and what a tokenizer.json without a normalizer gets. */
export const UNCASED: BertNormalizerOptions = { cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true };

/** BertNormalizer + BertPreTokenizer: the words WordPiece then splits. */
export function basicTokens(text: string, norm: BertNormalizerOptions = UNCASED): string[] {
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (norm.cleanText) {
      if (cp === 0 || cp === 0xfffd || isControl(cp)) continue;
      if (isWhitespace(cp)) {
        cleaned += ' ';
        continue;
      }
    }
    cleaned += norm.handleChineseChars && isCjk(cp) ? ` ${ch} ` : ch;
  }
  // bert.rs order: strip accents (NFD, drop combining marks), then lowercase.
  let normalised = norm.stripAccents ? cleaned.normalize('NFD').replace(/\p{Mn}/gu, '') : cleaned;
  if (norm.lowercase) normalised = normalised.toLowerCase();
  const out: string[] = [];
  // BertPreTokenizer splits on any whitespace (without clean_text, tabs and newlines are still there).
  for (const word of normalised.split(/\s/u)) {
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
    readonly normalizer: BertNormalizerOptions = UNCASED,
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
    const preTokenizer = (parsed as { pre_tokenizer?: { type?: unknown } | null }).pre_tokenizer;
    if (preTokenizer && preTokenizer.type !== 'BertPreTokenizer') {
      throw new TokenizerError('TokenizerInvalid', `${path}: pre_tokenizer ${String(preTokenizer.type)} is not supported (only BertPreTokenizer)`);
    }
    const normalizer = bertNormalizer((parsed as { normalizer?: unknown }).normalizer, path);
    return new WordPieceTokenizer(new Map(Object.entries(model.vocab)), maxTokens ?? truncation?.max_length ?? 128, normalizer);
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
    for (const word of basicTokens(text, this.normalizer)) {
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

/**
 * The switches of a tokenizer.json `normalizer`. Only BertNormalizer is implemented here: another one (a
 * Sequence of NFKC and friends, say) would tokenize differently from what the model was trained on, so it is
 * refused rather than approximated.
 */
function bertNormalizer(raw: unknown, path: string): BertNormalizerOptions {
  if (raw === undefined || raw === null) return UNCASED;
  const n = raw as { type?: unknown; clean_text?: unknown; handle_chinese_chars?: unknown; strip_accents?: unknown; lowercase?: unknown };
  if (n.type !== 'BertNormalizer') {
    throw new TokenizerError('TokenizerInvalid', `${path}: normalizer ${String(n.type)} is not supported (only BertNormalizer)`);
  }
  const flag = (v: unknown, dflt: boolean) => (typeof v === 'boolean' ? v : dflt);
  const lowercase = flag(n.lowercase, true);
  return {
    cleanText: flag(n.clean_text, true),
    handleChineseChars: flag(n.handle_chinese_chars, true),
    stripAccents: flag(n.strip_accents, lowercase),
    lowercase,
  };
}
