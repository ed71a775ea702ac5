import { describe, expect, it } from '@jest/globals';
import { getCondition, isReady, removeCondition, setCondition } from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T01:00:00Z');

describe('conditions', () => {
  it('stamps lastTransitionTime (whole seconds) on first set', () => {
    const c = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Pending', message: 'm', observedGeneration: 1 }, t0);
    expect(c).toEqual([{ type: 'Ready', status: 'False', reason: 'Pending', message: 'm', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });

  it('keeps lastTransitionTime when only reason/message/generation change, so identical input is a no-op', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Pending', message: 'm' }, t0);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'SecretNotFound', message: 'x', observedGeneration: 2 }, t1);
    expect(b[0]?.lastTransitionTime).toBe(a[0]?.lastTransitionTime);
    expect(b[0]?.reason).toBe('SecretNotFound');
    const again = setCondition(b, { type: 'Ready', status: 'False', reason: 'SecretNotFound', message: 'x', observedGeneration: 2 }, t1);
    expect(again).toEqual(b);
  });

  it('moves lastTransitionTime on a status change and keeps other conditions in order', () => {
    let c = setCondition(undefined, { type: 'Accepted', status: 'True', reason: 'Valid', message: '' }, t0);
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, t0);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Reconciled', message: '', observedGeneration: 3 }, t1);
    expect(c.map((x) => x.type)).toEqual(['Accepted', 'Ready']);
    expect(getCondition(c, 'Ready')?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
    expect(isReady(c)).toBe(true);
    expect(isReady(c, 3)).toBe(true);
    expect(isReady(c, 4)).toBe(false); // stale: observed an older generation
    expect(isReady(removeCondition(c, 'Ready'))).toBe(false);
  });
});
