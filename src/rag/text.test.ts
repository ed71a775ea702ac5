import { describe, expect, it } from '@jest/globals';
import { questionTerms, rawWords, splitSentences, stem, terms, tokenCount } from './text.js';

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
    expect(rawWords('がっこう')).toEqual(['かっ', 'っこ', 'こう']);
    const question = new Set(terms('收货地址怎么改？'));
    expect(terms('如何修改收货地址').filter((t) => question.has(t))).toEqual(['收货', '货地', '地址']);
    // English is unchanged.
    expect(rawWords('The Téa Leoni films')).toEqual(['the', 'tea', 'leoni', 'films']);
  });
  it("keeps a Chinese question's words, not the pairs that straddle two of them, for coverage", () => {
    const index = new Set(terms('下单后仍可修改收货地址。发货以后地址就不能再改了。'));
    // 收货 货地 地址 are in the index; 怎么 is a function word; 改 stands alone; 址怎 and 么改 are gone.
    expect(questionTerms('收货地址怎么改？', (t) => index.has(t)).sort()).toEqual(['地址', '收货', '改', '货地']);
    // What no known pair covers keeps its pairs, so a question about something the index lacks stays uncovered.
    expect(questionTerms('量子计算机的原理', (t) => index.has(t))).toEqual(['量子', '子计', '计算', '算机', '原理']);
    // English is exactly terms().
    expect(questionTerms('Which river flows through Vienna?', () => false)).toEqual(terms('Which river flows through Vienna?'));
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
