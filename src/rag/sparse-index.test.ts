import { describe, expect, it } from '@jest/globals';
import { SparseIndex } from './sparse-index.js';
import type { Chunk } from './types.js';

const chunk = (id: string, title: string, text: string, docId = id): Chunk => ({ id, docId, title, sentences: [text], sentenceOffset: 0, source: id });

describe('SparseIndex (BM25)', () => {
  const index = new SparseIndex();
  index.add(chunk('a', 'Ed Wood', 'Edward Davis Wood Jr. was an American filmmaker and actor.'));
  index.add(chunk('b', 'Scott Derrickson', 'Scott Derrickson is an American director, screenwriter and producer.'));
  index.add(chunk('c', 'Paris', 'Paris is the capital of France and a large city.'));

  it('ranks the passage sharing the rare terms first', () => {
    expect(index.search('Who is Scott Derrickson?', 3).map((h) => h.chunk.id)).toEqual(['b']);
    expect(index.search('American filmmaker', 3)[0]?.chunk.id).toBe('a');
  });
  it('gives rare terms a higher idf than common ones', () => {
    expect(index.idf('paris')).toBeGreaterThan(index.idf('american'));
  });
  it('forgets removed documents and re-adds replaced ones', () => {
    const i2 = new SparseIndex();
    i2.add(chunk('x#0', 'T', 'alpha beta', 'x'));
    i2.add(chunk('y#0', 'U', 'alpha gamma', 'y'));
    i2.removeDocuments(new Set(['x']));
    expect(i2.size).toBe(1);
    expect(i2.search('beta', 5)).toEqual([]);
    i2.add(chunk('y#0', 'U', 'delta', 'y'));
    expect(i2.size).toBe(1);
    expect(i2.search('gamma', 5)).toEqual([]);
    expect(i2.search('delta', 5).map((h) => h.chunk.id)).toEqual(['y#0']);
  });
  it('returns exactly the k best, in descending score order', () => {
    const big = new SparseIndex();
    for (let i = 0; i < 300; i++) big.add(chunk(`c${i}`, `T${i}`, `${'river '.repeat(1 + (i % 7))} lake${i % 5} sea${i % 3}`));
    const all = big.search('river lake3 sea1', 1000);
    const top = big.search('river lake3 sea1', 10);
    expect(top.map((h) => h.score)).toEqual(all.slice(0, 10).map((h) => h.score));
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
    expect(all).toHaveLength(300);
  });
});
