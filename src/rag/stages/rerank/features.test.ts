import { describe, expect, it } from '@jest/globals';
import type { Chunk } from '../../types.js';
import { featureScore, featureVectors } from './features.js';

const chunk = (id: string, title: string, text: string): Chunk => ({ id, docId: id, title, sentences: [text], sentenceOffset: 0, source: id });
const idf = (): number => 1;

describe('feature re-ranker', () => {
  // Retrieval order: the film, a distractor, then the bridge passage the film's text names.
  const chunks = [
    chunk('film', 'Kiss and Tell (1945 film)', 'Kiss and Tell is a 1945 American comedy film starring Shirley Temple as Corliss Archer.'),
    chunk('noise', 'Teen radio', 'A radio series about a teenage girl named Corliss.'),
    chunk('temple', 'Shirley Temple', 'Shirley Temple Black was an actress and later a diplomat, serving as ambassador.'),
  ];
  const q = 'What government position was held by the woman who portrayed Corliss Archer in the film Kiss and Tell?';
  const f = featureVectors(q, [], chunks, idf);

  it('scores a title named in the question (disambiguation suffix ignored)', () => {
    expect(f[0]?.title).toBe(1);
    expect(f[2]?.title).toBe(0);
  });
  it('marks the bridge passage whose title the leading passage mentions', () => {
    expect(f[2]?.bridge).toBe(1);
    expect(f[1]?.bridge).toBe(0);
  });
  it('lifts the bridge passage above a higher-ranked distractor', () => {
    const order = chunks
      .map((c, i) => ({ id: c.id, s: featureScore(f[i]!) }))
      .sort((a, b) => b.s - a.s)
      .map((x) => x.id);
    expect(order.indexOf('noise')).toBe(2);
  });
});
