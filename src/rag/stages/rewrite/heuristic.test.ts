import { describe, expect, it } from '@jest/globals';
import { decompose, namedEntities } from './heuristic.js';

describe('heuristic decomposer', () => {
  it('finds the entities of a comparison question', () => {
    expect(namedEntities('Were Scott Derrickson and Ed Wood of the same nationality?')).toEqual(['Scott Derrickson', 'Ed Wood']);
  });
  it('keeps quoted titles whole', () => {
    expect(namedEntities('The director of the romantic comedy "Big Stone Gap" is based in what New York city?')).toContain('Big Stone Gap');
  });
  it('makes one entity-focused sub-query per entity of a comparison question', () => {
    const subs = decompose('Were Scott Derrickson and Ed Wood of the same nationality?', 4);
    expect(subs).toEqual(expect.arrayContaining(['Scott Derrickson nationality', 'Ed Wood nationality']));
  });
  it('splits a bridge question at its relative clause', () => {
    const subs = decompose('What government position was held by the woman who portrayed Corliss Archer in the film Kiss and Tell?', 4);
    expect(subs.slice(0, 2)).toEqual(['What government position was held by the woman', 'portrayed Corliss Archer in the film Kiss and Tell']);
  });
  it('respects the sub-question cap and returns nothing for a one-word question', () => {
    expect(decompose('Were A1 and B2 and C3 and D4 and E5 of one kind?', 2)).toHaveLength(2);
    expect(decompose('Why?', 4)).toEqual([]);
  });
});
