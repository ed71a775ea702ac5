import { describe, expect, it } from '@jest/globals';
import { corpusOf, exactMatch, normaliseAnswer, parseHotpot, tokenF1 } from './hotpot.js';

const hf = {
  question: 'Q?',
  answer: 'yes',
  type: 'comparison',
  supporting_facts: { title: ['A', 'B', 'A'], sent_id: [0, 1, 1] },
  context: { title: ['A', 'B', 'C'], sentences: [['a0', ' a1'], ['b0', ' b1'], ['c0']] },
};
const original = {
  _id: 'x1',
  question: 'Q?',
  answer: 'yes',
  supporting_facts: [
    ['A', 0],
    ['B', 1],
    ['A', 1],
  ],
  context: [
    ['A', ['a0', ' a1']],
    ['B', ['b0', ' b1']],
    ['C', ['c0']],
  ],
};

describe('HotpotQA loader', () => {
  it('reads both layouts into the same record', () => {
    const [a] = parseHotpot([hf]);
    const [b] = parseHotpot([original]);
    expect(a?.id).toBe('hp-dev-000');
    expect(b?.id).toBe('x1');
    expect({ ...a, id: '' }).toEqual({ ...b, id: '', type: 'comparison' });
    expect(a?.goldTitles).toEqual(['A', 'B']);
    expect(a?.supportingFacts).toContainEqual({ title: 'B', sentence: 1 });
  });
  it('rejects a record in neither layout', () => {
    expect(() => parseHotpot([{ question: 1 }])).toThrow(/neither HotpotQA layout/);
  });
  it('dedupes paragraphs by title and text', () => {
    const qs = parseHotpot([hf, original]);
    expect(corpusOf(qs, (s) => s).map((p) => p.title)).toEqual(['A', 'B', 'C']);
  });
  it('normalises answers the HotpotQA way', () => {
    expect(normaliseAnswer('The  Eiffel-Tower!')).toBe('eiffeltower');
    expect(exactMatch('the Beatles', 'Beatles')).toBe(1);
    expect(tokenF1('New York City', 'New York')).toBeCloseTo(0.8);
    expect(tokenF1('no', 'yes')).toBe(0);
  });
});
