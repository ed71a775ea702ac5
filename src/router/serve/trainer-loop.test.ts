import { describe, expect, it } from '@jest/globals';
import { parseRouterConfig, ROUTER_CONFIG_VERSION } from '../config.js';
import { MemoryStore } from '../flywheel/store.js';
import type { Decision, FlywheelRecord, RouterModel } from '../types.js';
import { createRouterMetrics } from './metrics.js';
import { TrainerLoop, type TrainerFn } from './trainer-loop.js';

const model = (version: string): RouterModel => ({
  version,
  decide: (): Decision => ({ model: 'a', ranked: [], routerVersion: version, reason: 'Test' }),
  serialize: () => ({ kind: 'test', version, createdAt: '', payload: null }),
});

const record = (id: string): FlywheelRecord => ({
  id,
  createdAt: '',
  prompt: id,
  request: {},
  routerVersion: 'v0',
  primary: { model: 'a', output: '', latencyMs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, score: 1 },
  shadows: [],
});

const config = parseRouterConfig({
  apiVersion: ROUTER_CONFIG_VERSION,
  upstream: { baseUrl: 'http://x/v1' },
  models: [{ name: 'a', pricePer1MInput: 1, pricePer1MOutput: 1 }],
  policy: { baselineModel: 'a' },
  trainer: { enabled: true, minNewRecords: 3 },
});

describe('TrainerLoop', () => {
  it('trains only after enough new records, swaps on promotion, keeps the old model for rollback', async () => {
    const store = new MemoryStore();
    let current = model('v0');
    const seen: number[] = [];
    let promote = false;
    const trainer: TrainerFn = ({ records }) => {
      seen.push(records.length);
      const holdout = { routingAccuracy: 0.8, baselineAccuracy: 0.7, costPerRequest: 1, baselineCostPerRequest: 2, examples: 1 };
      return Promise.resolve(promote ? { outcome: 'Promoted', model: model(`v${records.length}`), holdout } : { outcome: 'CandidateLost', holdout });
    };
    const loop = new TrainerLoop(config, store, { current: () => current, swap: (m) => (current = m) }, createRouterMetrics(), trainer);
    await store.append(record('1'));
    await loop.maybeRun();
    expect(seen).toEqual([]);
    for (const id of ['2', '3']) await store.append(record(id));
    await loop.maybeRun();
    expect(seen).toEqual([3]);
    expect(current.version).toBe('v0');
    expect(loop.state.lastOutcome).toBe('CandidateLost');
    expect(loop.holdout?.routingAccuracy).toBe(0.8);

    promote = true;
    for (const id of ['4', '5', '6']) await store.append(record(id));
    await loop.maybeRun();
    expect(current.version).toBe('v6');
    expect(loop.previousVersions()).toEqual(['v0']);
    expect(loop.state.promotions).toBe(1);
    expect(loop.rollback()?.version).toBe('v0');
    expect(current.version).toBe('v0');
  });

  it('records a failing trainer without throwing and stays disabled without one', async () => {
    const store = new MemoryStore();
    let current = model('v0');
    const slot = { current: () => current, swap: (m: RouterModel) => (current = m) };
    const failing = new TrainerLoop(config, store, slot, createRouterMetrics(), () => Promise.reject(new Error('boom')));
    await failing.maybeRun(true);
    expect(failing.state).toMatchObject({ lastOutcome: 'TrainingFailed', lastMessage: 'boom', state: 'idle' });
    expect(new TrainerLoop(config, store, slot, createRouterMetrics(), undefined).state.state).toBe('disabled');
  });
});
