import { describe, expect, it } from '@jest/globals';
import { splitSentences, stem, terms, tokenCount } from './text.js';

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
});
