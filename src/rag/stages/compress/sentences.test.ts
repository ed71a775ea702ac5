import { describe, expect, it } from '@jest/globals';
import type { ScoredChunk } from '../../types.js';
import { compressPassages } from './sentences.js';

const sc = (title: string, sentences: string[]): ScoredChunk => ({
  chunk: { id: title, docId: title, title, sentences, sentenceOffset: 0, source: title },
  score: 1,
  origin: 'index',
});

describe('compressPassages', () => {
  const idf = (): number => 1;
  const r = compressPassages(
    'Which river flows through Vienna?',
    [],
    [
      sc('Vienna', ['Vienna is the capital of Austria.', 'It has many cafés.', 'The Danube river flows through Vienna.', 'Mozart lived there.']),
      sc('Banana', ['Bananas are yellow.', 'They grow in the tropics.']),
    ],
    idf,
    0.5,
    0.45,
  );
  it('keeps relevant sentences and the lead sentence, drops the rest', () => {
    const vienna = r.passages.find((p) => p.title === 'Vienna');
    expect(vienna?.sentences.map((s) => s.index)).toEqual([0, 2]);
  });
  it('drops a passage that covers too little of the question and links to nothing kept', () => {
    expect(r.passages.map((p) => p.title)).toEqual(['Vienna']);
    expect(r.droppedPassages).toBe(1);
  });
  it('counts tokens before and after', () => {
    expect(r.tokensAfter).toBeLessThan(r.tokensBefore);
  });
  it('keeps a passage linked to a relevant one, with its linking sentence (the bridge)', () => {
    const b = compressPassages(
      'Who founded it?',
      [],
      [sc('Globex', ['Globex was founded by Hank.']), sc('Acme', ['Acme makes things.', 'It was bought by Globex.'])],
      idf,
      0.9,
      0.45,
    );
    expect(b.passages.find((p) => p.title === 'Acme')?.sentences.map((s) => s.index)).toEqual([0, 1]);
  });
});

describe('compressPassages anaphora', () => {
  it('scores a sentence opening with a pronoun as if the title were written out', () => {
    const r = compressPassages(
      'When was Wolf Alice formed?',
      [],
      [sc('Wolf Alice', ['Wolf Alice are an English band.', 'The band was formed in 2010.', 'Its members like tea.'])],
      () => 1,
      0.7,
      0.45,
    );
    expect(r.passages[0]?.sentences.map((s) => s.index)).toEqual([0, 1]);
  });
});
