import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../util/random.js';
import type { Decision } from '../types.js';
import { MemoryStore } from '../flywheel/store.js';
import { BudgetGovernor, windowBounds } from './governor.js';

const DAY = Date.UTC(2026, 10, 30);

/** A decision as a λ = 0 router makes it: three models, the expensive one expected best. */
function decision(rnd: () => number): Decision {
  const jitter = 0.5 + rnd();
  const ranked = [
    { model: 'big', expectedQuality: 0.8, expectedCost: 0.01 * jitter, utility: 0.8 },
    { model: 'mid', expectedQuality: 0.72, expectedCost: 0.002 * jitter, utility: 0.72 },
    { model: 'small', expectedQuality: 0.55, expectedCost: 0.0002 * jitter, utility: 0.55 },
  ];
  return { model: 'big', ranked, routerVersion: 't', reason: 'Learned' };
}

/** Replays `n` requests spread evenly over one day; actual cost = expected × `bias`. */
function replay(limitUsd: number, n: number, bias = 1): { spent: number; picks: Record<string, number>; governor: BudgetGovernor } {
  let now = DAY;
  const governor = new BudgetGovernor({ limitUsd, window: 'day' }, 0, () => now);
  const rnd = seededRandom(5);
  const picks: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    now = DAY + Math.floor(((i + 0.5) / n) * 86_400_000);
    const d = governor.apply(decision(rnd));
    picks[d.model] = (picks[d.model] ?? 0) + 1;
    const expected = d.ranked[0]!.expectedCost;
    governor.recordSpend(expected * bias, expected);
  }
  return { spent: governor.state().spentUsd, picks, governor };
}

describe('budget governor', () => {
  const unconstrained = replay(1e9, 2000).spent;

  it('leaves decisions alone when the budget is not at risk', () => {
    const { picks, governor } = replay(1e9, 2000);
    expect(picks).toEqual({ big: 2000 });
    expect(governor.state().mode).toBe('Normal');
  });

  it.each([0.5, 0.25])('keeps a day of traffic within ±5%% of a budget at %p of unconstrained spend', (fraction) => {
    const { spent, picks, governor } = replay(unconstrained * fraction, 2000);
    expect(Math.abs(spent / (unconstrained * fraction) - 1)).toBeLessThan(0.05);
    expect(picks.mid ?? 0).toBeGreaterThan(0);
    expect(governor.state().downgrades).toBeGreaterThan(0);
  });

  it('calibrates when actual costs run above the predictions', () => {
    const limit = unconstrained * 0.5;
    const { spent } = replay(limit, 2000, 1.6);
    expect(spent).toBeLessThan(limit * 1.05);
    expect(spent).toBeGreaterThan(limit * 0.8);
  });

  it('serves only the cheapest candidate once the budget is spent, and says so', () => {
    let now = DAY + 3_600_000;
    const governor = new BudgetGovernor({ limitUsd: 0.05, window: 'day' }, 0, () => now);
    const rnd = seededRandom(1);
    for (let i = 0; i < 10; i++) governor.recordSpend(0.01);
    const d = governor.apply(decision(rnd));
    expect(d.model).toBe('small');
    expect(d.reason).toBe('BudgetCheapestOnly');
    expect(d.ranked.map((r) => r.model)).toEqual(['small', 'mid', 'big']);
    expect(governor.state()).toMatchObject({ mode: 'CheapestOnly', effectiveLambda: null, limitUsd: 0.05 });
    expect(governor.state().spentUsd).toBeCloseTo(0.1, 10);
    // A new window starts with a clean slate.
    now = DAY + 86_400_000 + 1000;
    expect(governor.state()).toMatchObject({ mode: 'Normal', spentUsd: 0, effectiveLambda: 0 });
  });

  it('projects the rate from when it started watching the window, not from the window start', () => {
    // Started at 23:00 on a daily budget, one $0.01 request a second: $36 by midnight against a $1 budget.
    let now = DAY + 23 * 3_600_000;
    const governor = new BudgetGovernor({ limitUsd: 1, window: 'day' }, 0, () => now);
    const rnd = seededRandom(2);
    for (let i = 0; i < 60; i++) {
      now += 1000;
      const d = governor.apply(decision(rnd));
      governor.recordSpend(d.ranked.find((r) => r.model === d.model)!.expectedCost, d.ranked.find((r) => r.model === d.model)!.expectedCost);
    }
    expect(governor.state().mode).not.toBe('Normal');
    expect(governor.state().projectedUsd).toBeGreaterThan(5);
  });

  it('shares one window total through the ledger: replicas see each other, a restart keeps what was spent', async () => {
    let now = DAY + 3_600_000;
    const clock = () => now;
    const ledger = new MemoryStore();
    const share = async (g: BudgetGovernor) => {
      const delta = g.takeUnshared();
      g.settle(delta, await ledger.addSpend(delta));
    };
    const a = new BudgetGovernor({ limitUsd: 0.05, window: 'day' }, 0, clock);
    const b = new BudgetGovernor({ limitUsd: 0.05, window: 'day' }, 0, clock);
    for (let i = 0; i < 3; i++) a.recordSpend(0.01);
    b.recordSpend(0.01);
    await share(a);
    await share(b);
    await share(a);
    expect(a.state()).toMatchObject({ requests: 4 });
    expect(a.state().spentUsd).toBeCloseTo(0.04, 10);
    expect(b.state().spentUsd).toBeCloseTo(0.04, 10);
    // Spend counted while a share is under way is neither lost nor counted twice.
    b.recordSpend(0.01);
    const delta = b.takeUnshared();
    b.recordSpend(0.01);
    expect(b.state().spentUsd).toBeCloseTo(0.06, 10);
    b.settle(delta, await ledger.addSpend(delta));
    expect(b.state().spentUsd).toBeCloseTo(0.06, 10);
    // A ledger that fails keeps the delta counted here for the next share.
    const lost = b.takeUnshared();
    b.unsettled(lost);
    expect(b.state().spentUsd).toBeCloseTo(0.06, 10);
    await share(b);
    // A new process in the same window starts from the ledger's total, and it is over budget.
    const restarted = new BudgetGovernor({ limitUsd: 0.05, window: 'day' }, 0, clock);
    await share(restarted);
    expect(restarted.state().spentUsd).toBeCloseTo(0.06, 10);
    expect(restarted.apply(decision(seededRandom(3))).reason).toBe('BudgetCheapestOnly');
    // The next window has its own row.
    now = DAY + 86_400_000 + 1000;
    await share(restarted);
    expect(restarted.state()).toMatchObject({ spentUsd: 0, requests: 0, mode: 'Normal' });
  });

  it('computes UTC calendar windows', () => {
    expect(windowBounds('hour', Date.UTC(2026, 10, 30, 13, 45))).toEqual({ start: Date.UTC(2026, 10, 30, 13), end: Date.UTC(2026, 10, 30, 14) });
    expect(windowBounds('month', Date.UTC(2026, 11, 31, 23))).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  });
});
