import { describe, expect, it } from '@jest/globals';
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
});
