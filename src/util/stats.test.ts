import { describe, expect, it } from '@jest/globals';
import { mean, percentile } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 99)).toBe(5);
    expect(percentile(xs, 0)).toBe(1);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
  });
  it('is 0 for no data', () => {
    expect(percentile([], 50)).toBe(0);
    expect(mean([])).toBe(0);
  });
});
