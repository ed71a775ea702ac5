import { describe, expect, it } from '@jest/globals';
import { reciprocalRankFusion } from './fusion.js';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k + rank) across lists', () => {
    const f = reciprocalRankFusion(
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
      60,
    );
    expect(f.get('a')).toBeCloseTo(1 / 61);
    expect(f.get('b')).toBeCloseTo(1 / 62 + 1 / 61);
    expect(f.get('c')).toBeCloseTo(1 / 62);
  });
  it('prefers a document ranked well in both lists over one ranked first in a single list', () => {
    const f = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'b', 'a'],
        ['d', 'b'],
      ],
      60,
    );
    const top = [...f].sort((x, y) => y[1] - x[1])[0]?.[0];
    expect(top).toBe('b');
  });
});
