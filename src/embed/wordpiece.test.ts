import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicTokens, WordPieceTokenizer } from './wordpiece.js';

// A tiny vocabulary in BERT's layout is enough to pin the algorithm; the real vocabulary is exercised
// by the data-plane tests through the ONNX embedder.
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able', 'cafe', ',', '!', '我', '?', 'hello'];
const tok = new WordPieceTokenizer(new Map(VOCAB.map((t, i) => [t, i])), 8);

describe('WordPiece', () => {
  it('normalises like BertNormalizer: lowercase, strip accents, split punctuation and CJK characters', () => {
    expect(basicTokens('Hello, Café!我想')).toEqual(['hello', ',', 'cafe', '!', '我', '想']);
  });

  it('splits greedily longest-first and maps unknown words to one [UNK]', () => {
    expect(tok.tokens(tok.encode('unaffable hello').ids)).toEqual(['[CLS]', 'un', '##aff', '##able', 'hello', '[SEP]']);
    expect(tok.tokens(tok.encode('unknownword').ids)).toEqual(['[CLS]', '[UNK]', '[SEP]']);
  });

  it('truncates to the token budget keeping [SEP]', () => {
    const ids = tok.encode('hello hello hello hello hello hello hello hello').ids;
    expect(ids).toHaveLength(8);
    expect(ids.at(-1)).toBe(3);
  });

  it('reports vocabulary coverage (how much of a text is [UNK])', () => {
    expect(tok.coverage('hello 我想')).toBeCloseTo(2 / 3);
  });

  it('keeps case and accents when the tokenizer.json says so (bge-small-zh-v1.5: lowercase false, strip_accents null)', () => {
    const cased = { cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false };
    expect(basicTokens('Hello, Café!我想', cased)).toEqual(['Hello', ',', 'Café', '!', '我', '想']);
    expect(basicTokens('我想', { ...cased, handleChineseChars: false })).toEqual(['我想']);
  });

  it('reads the normalizer from tokenizer.json and refuses one it does not implement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wordpiece-'));
    try {
      const file = (normalizer: unknown) => {
        const path = join(dir, 'tokenizer.json');
        writeFileSync(
          path,
          JSON.stringify({
            normalizer,
            pre_tokenizer: { type: 'BertPreTokenizer' },
            model: { type: 'WordPiece', vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
          }),
        );
        return path;
      };
      const bert = (lowercase: boolean) => ({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase });
      const lower = WordPieceTokenizer.fromTokenizerJson(file(bert(true)));
      expect(lower.tokens(lower.encode('Hello Café').ids)).toEqual(['[CLS]', 'hello', 'cafe', '[SEP]']);
      const cased = WordPieceTokenizer.fromTokenizerJson(file(bert(false)));
      expect(cased.tokens(cased.encode('Hello Café').ids)).toEqual(['[CLS]', '[UNK]', '[UNK]', '[SEP]']);
      expect(() => WordPieceTokenizer.fromTokenizerJson(file({ type: 'Sequence', normalizers: [{ type: 'NFKC' }] }))).toThrow(
        /normalizer Sequence is not supported/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
