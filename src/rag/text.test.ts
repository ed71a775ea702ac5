import { describe, expect, it } from '@jest/globals';
import { rawWords, splitSentences, stem, terms, tokenCount } from './text.js';

describe('text', () => {
  it('splits sentences but keeps abbreviations inside one', () => {
    expect(splitSentences('He served in the U.S. Army. Later he moved. "Yes," she said.')).toEqual([
      'He served in the U.S. Army.',
      'Later he moved.',
      '"Yes," she said.',
    ]);
  });
  it('drops stopwords, folds accents and stems plurals', () => {
    expect(terms('The Téa Leoni films were directed')).toEqual(['tea', 'leoni', 'film', 'direct']);
    expect(stem('cities')).toBe('city');
    expect(stem('glass')).toBe('glass');
  });
  it('counts whitespace tokens', () => {
    expect(tokenCount('  a b  c ')).toBe(3);
    expect(tokenCount('')).toBe(0);
  });
  it('makes Chinese text into overlapping character bigrams, so a question shares terms with its answer', () => {
    expect(rawWords('如何修改收货地址')).toEqual(['如何', '何修', '修改', '改收', '收货', '货地', '地址']);
    expect(rawWords('Higress网关 支持 AI插件')).toEqual(['higress', '网关', '支持', 'ai', '插件']);
    expect(rawWords('我')).toEqual(['我']);
    const question = new Set(terms('收货地址怎么改？'));
    expect(terms('如何修改收货地址').filter((t) => question.has(t))).toEqual(['收货', '货地', '地址']);
    // English is unchanged.
    expect(rawWords('The Téa Leoni films')).toEqual(['the', 'tea', 'leoni', 'films']);
  });
  it('splits Chinese sentences at 。！？, keeping a closing quote with its sentence', () => {
    expect(splitSentences('Higress 是一个 AI 网关。它支持插件！你用过吗？他说：“好。”然后走了。')).toEqual([
      'Higress 是一个 AI 网关。',
      '它支持插件！',
      '你用过吗？',
      '他说：“好。”',
      '然后走了。',
    ]);
  });
  it('counts each Chinese character as a token', () => {
    expect(tokenCount('如何修改 Higress 的路由')).toBe(8);
  });
});
