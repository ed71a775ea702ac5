import { describe, expect, it } from '@jest/globals';
import { HashingEmbedder } from './hashing.js';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('HashingEmbedder', () => {
  const e = new HashingEmbedder(256);
  it('is deterministic and unit-length', async () => {
    const [a, b] = await e.embed(['Scott Derrickson director', 'Scott Derrickson director']);
    expect(Array.from(a ?? [])).toEqual(Array.from(b ?? []));
    expect(dot(a as Float32Array, a as Float32Array)).toBeCloseTo(1, 5);
  });
  it('places related texts closer than unrelated ones', async () => {
    const [q, rel, unrel] = await e.embed(['American film directors', 'an American director of films', 'capital city of France']);
    expect(dot(q as Float32Array, rel as Float32Array)).toBeGreaterThan(dot(q as Float32Array, unrel as Float32Array));
  });
  it('embeds empty text as the zero vector instead of NaN', async () => {
    const [z] = await e.embed(['']);
    expect(Array.from(z ?? []).every((x) => x === 0)).toBe(true);
  });
});
