import { describe, expect, it } from '@jest/globals';
import { parseRouterConfig, ROUTER_CONFIG_VERSION } from '../config.js';
import { MemoryStore } from '../flywheel/store.js';
import type { Decision, FlywheelRecord, RouterModel } from '../types.js';
import { createRouterMetrics } from './metrics.js';
import { TrainerLoop, type TrainerFn } from './trainer-loop.js';
import type { RouterModelVersionStore } from '../training/version-store.js';

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
    expect((await loop.rollback())?.version).toBe('v0');
    expect(current.version).toBe('v0');
  });

  // Two candidate models 'a' (cheap, wrong) and 'b' (right): every record has both answers scored.
  const scored = (id: string, routerVersion: string): FlywheelRecord => ({
    id,
    createdAt: '',
    prompt: id,
    request: {},
    routerVersion,
    primary: { model: 'a', output: '', latencyMs: 0, inputTokens: 10, outputTokens: 10, costUsd: 0, score: 0 },
    shadows: [{ model: 'b', output: '', latencyMs: 0, inputTokens: 10, outputTokens: 10, costUsd: 0, score: 1 }],
  });
  const picks = (version: string, pick: string): RouterModel => ({
    version,
    decide: (): Decision => ({ model: pick, ranked: [], routerVersion: version, reason: 'Test' }),
    serialize: () => ({ kind: 'test', version, createdAt: '', payload: null }),
  });
  const twoModels = (rollback: { enabled?: boolean; margin?: number; minRecords?: number }) =>
    parseRouterConfig({
      apiVersion: ROUTER_CONFIG_VERSION,
      upstream: { baseUrl: 'http://x/v1' },
      models: [
        { name: 'a', pricePer1MInput: 0, pricePer1MOutput: 0 },
        { name: 'b', pricePer1MInput: 0, pricePer1MOutput: 0 },
      ],
      policy: { baselineModel: 'b' },
      trainer: { enabled: true, minNewRecords: 1000, rollback },
    });
  const promoteOnce = (model: RouterModel): TrainerFn => {
    let done = false;
    return () => Promise.resolve(done ? { outcome: 'CandidateLost' } : ((done = true), { outcome: 'Promoted', model, margin: 0.01 }));
  };

  it('rolls back a promoted model whose own traffic shows the previous one was better, on the volume too', async () => {
    const store = new MemoryStore();
    let current = picks('good', 'b');
    const versionRollbacks: string[] = [];
    const versions = { rollback: () => Promise.resolve((versionRollbacks.push('rollback'), 'good')) } as unknown as RouterModelVersionStore;
    const loop = new TrainerLoop(
      twoModels({ margin: 0.1, minRecords: 20 }),
      store,
      { current: () => current, swap: (m) => (current = m) },
      createRouterMetrics(),
      promoteOnce(picks('bad', 'a')),
      versions,
    );
    await loop.maybeRun(true);
    expect(current.version).toBe('bad');
    expect(loop.state.probation).toMatchObject({ version: 'bad', previousVersion: 'good', verdict: 'Pending' });

    // Records the previous model routed do not count; too few of the new model's own: still pending.
    for (let i = 0; i < 50; i++) await store.append(scored(`old-${i}`, 'good'));
    for (let i = 0; i < 10; i++) await store.append(scored(`new-${i}`, 'bad'));
    await loop.maybeRun();
    expect(current.version).toBe('bad');
    expect(loop.state.probation).toMatchObject({ records: 10, verdict: 'Pending' });

    for (let i = 10; i < 25; i++) await store.append(scored(`new-${i}`, 'bad'));
    await loop.maybeRun();
    expect(current.version).toBe('good');
    expect(versionRollbacks).toEqual(['rollback']);
    expect(loop.state).toMatchObject({
      lastOutcome: 'RolledBack',
      rollbacks: 1,
      probation: null,
      lastRollback: { from: 'bad', to: 'good', trigger: 'OnlineRegression', margin: 1, records: 25 },
    });
    expect(loop.previousVersions()).toEqual([]);
  });

  it('keeps a promoted model that holds up online, and never rolls back when disabled', async () => {
    for (const [rollback, promoted, previous] of [
      [{ margin: 0.1, minRecords: 20 }, picks('good', 'b'), picks('bad', 'a')],
      [{ enabled: false, minRecords: 20 }, picks('bad', 'a'), picks('good', 'b')],
    ] as const) {
      const store = new MemoryStore();
      let current: RouterModel = previous;
      const loop = new TrainerLoop(
        twoModels(rollback),
        store,
        { current: () => current, swap: (m) => (current = m) },
        createRouterMetrics(),
        promoteOnce(promoted),
      );
      await loop.maybeRun(true);
      for (let i = 0; i < 40; i++) await store.append(scored(`n-${i}`, promoted.version));
      await loop.maybeRun();
      expect(current.version).toBe(promoted.version);
      expect(loop.state.rollbacks).toBe(0);
      if (rollback.enabled !== false) expect(loop.state.probation).toMatchObject({ records: 40, verdict: 'Holding', meanDelta: 1 });
    }
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
