import { describe, expect, it } from '@jest/globals';
import { l2normalize } from './vector.js';

describe('l2normalize', () => {
  it('scales to unit length in place, leaves zero vectors and values past count alone', () => {
    const v = Float32Array.from([3, 4, 10]);
    expect(l2normalize(v, 2)).toBe(v);
    expect([...v]).toEqual([0.6000000238418579, 0.800000011920929, 10]);
    expect([...l2normalize(new Float32Array(3))]).toEqual([0, 0, 0]);
  });
});
