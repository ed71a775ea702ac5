import { describe, expect, it } from '@jest/globals';
import type { Chunk } from '../../types.js';
import { evaluateRetrieval, verdictFor } from './evaluator.js';

const chunk = (title: string, text: string): Chunk => ({ id: title, docId: title, title, sentences: [text], sentenceOffset: 0, source: title });
const idf = (): number => 1;

describe('CRAG retrieval evaluator', () => {
  it('scores a retrieval covering the question higher than an off-topic one', () => {
    const q = 'Which river flows through Vienna?';
    const good = evaluateRetrieval(q, [], [chunk('Vienna', 'The Danube river flows through Vienna.')], idf);
    const bad = evaluateRetrieval(q, [], [chunk('Banana', 'Bananas are yellow.')], idf);
    expect(good).toBeCloseTo(1);
    expect(bad).toBe(0);
  });
  it('penalises a hop no passage covers', () => {
    const both = evaluateRetrieval('a b c d', ['a b', 'c d'], [chunk('x', 'a b'), chunk('y', 'c d')], idf);
    const one = evaluateRetrieval('a b c d', ['a b', 'c d'], [chunk('x', 'a b')], idf);
    expect(both).toBeGreaterThan(one);
  });
  it('maps scores to the three CRAG verdicts', () => {
    expect(verdictFor(0.9, 0.75, 0.45)).toBe('correct');
    expect(verdictFor(0.5, 0.75, 0.45)).toBe('ambiguous');
    expect(verdictFor(0.1, 0.75, 0.45)).toBe('incorrect');
    expect(evaluateRetrieval('q', [], [], idf)).toBe(0);
  });
});
