import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { coldStartModel } from '../decision/cold-start.js';
import { loadRouterModel } from '../decision/load.js';
import type { CandidateModel, FlywheelRecord, ObservedAnswer } from '../types.js';
import { compare } from './compare.js';
import { splitRecords } from './dataset.js';
import { gateCandidate } from './promotion.js';
import { parseRouterConfig, ROUTER_CONFIG_VERSION } from '../config.js';
import { train } from './train.js';
import { createTrainer } from './trainer-fn.js';
import { encodeSnapshot } from './snapshot-codec.js';
import { trainOffThread } from './train-off-thread.js';
import { FsVersionStore, VersionStoreError } from './version-store.js';

const candidates: CandidateModel[] = [
  { name: 'mathy', pricePer1MInput: 1, pricePer1MOutput: 1 },
  { name: 'lawyer', pricePer1MInput: 1, pricePer1MOutput: 1 },
];
const MATH = ['integral', 'derivative', 'matrix', 'eigenvalue', 'polynomial', 'limit'];
const LAW = ['plaintiff', 'statute', 'tort', 'contract', 'defendant', 'appeal'];

function answer(model: string, score: number): ObservedAnswer {
  return { model, output: '', latencyMs: 10, inputTokens: 20, outputTokens: 100, costUsd: 0.0001, score };
}

/** Math prompts are answered right by `mathy` only, law prompts by `lawyer` only. */
function records(n: number): FlywheelRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const math = i % 2 === 0;
    const words = math ? MATH : LAW;
    const prompt = `question ${i}: about the ${words[i % 6]} and the ${words[(i + 3) % 6]}`;
    return {
      id: `r${i}`,
      createdAt: new Date(0).toISOString(),
      prompt,
      request: {},
      routerVersion: 'test',
      primary: answer('mathy', math ? 1 : 0),
      shadows: [answer('lawyer', math ? 0 : 1)],
    };
  });
}

/** A router that always sends everything to `mathy`: right on half the prompts. */
function prior(version: string) {
  const snapshot = coldStartModel({
    candidates,
    policy: { mode: 'utility', lambda: 0 },
    models: { mathy: { quality: 0.9 }, lawyer: { quality: 0.1 } },
  }).serialize();
  return loadRouterModel({ ...snapshot, version });
}

const tinyFeatures = { dimBits: 14, wordNgrams: [1, 2] as [number, number], charNgrams: [0, 0] as [number, number], maxChars: 2000 };

describe('trainer', () => {
  it('learns which model answers which kind of prompt', () => {
    const { train: fit, holdout } = splitRecords(records(300), 0.25);
    const model = train(fit, { candidates, lambda: { kind: 'fixed', policy: { mode: 'utility', lambda: 0 } }, tfidf: tinyFeatures, version: 'trained' });
    const cmp = compare(model, prior('p'), holdout, { lambda: 0 });
    expect(cmp.candidate.accuracy).toBeGreaterThan(0.9);
    expect(cmp.current.accuracy).toBeLessThan(0.6);
    expect(cmp.candidateWins).toBe(true);
  });
});

describe('promotion gate and version store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-versions-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('promotes a winner, refuses a loser, and rolls back', async () => {
    const store = new FsVersionStore(dir);
    const all = records(300);
    const { train: fit, holdout } = splitRecords(all, 0.25);
    const first = prior('prior-1');
    expect(await gateCandidate(store, first, holdout, { lambda: 0 })).toMatchObject({ promoted: true, reason: 'NoCurrentModel' });
    expect(await store.current()).toBe('prior-1');

    const trained = train(fit, { candidates, lambda: { kind: 'fixed', policy: { mode: 'utility', lambda: 0 } }, tfidf: tinyFeatures, version: 'trained-1' });
    const win = await gateCandidate(store, trained, holdout, { lambda: 0 });
    expect(win).toMatchObject({ promoted: true, reason: 'CandidateBetter' });
    expect(await store.current()).toBe('trained-1');

    const loser = prior('prior-2');
    const lose = await gateCandidate(store, loser, holdout, { lambda: 0 });
    expect(lose.promoted).toBe(false);
    expect(lose.reason).toBe('MarginTooSmall');
    expect(await store.current()).toBe('trained-1');
    expect((await store.list()).map((v) => v.version).sort()).toEqual(['prior-1', 'prior-2', 'trained-1']);

    // The stored snapshot decides exactly like the in-memory model.
    const reloaded = loadRouterModel(await store.load('trained-1'));
    for (const r of holdout.slice(0, 10)) {
      expect(reloaded.decide({ prompt: r.prompt, promptTokens: 20 }).model).toBe(trained.decide({ prompt: r.prompt, promptTokens: 20 }).model);
    }

    expect(await store.rollback()).toBe('prior-1');
    expect(await store.current()).toBe('prior-1');
    await expect(store.rollback()).rejects.toBeInstanceOf(VersionStoreError);
  });

  it('an equal candidate is not promoted (no margin)', () => {
    const { holdout } = splitRecords(records(200), 0.5);
    const cmp = compare(prior('a'), prior('b'), holdout, { lambda: 0 });
    expect(cmp).toMatchObject({ candidateWins: false, reason: 'MarginTooSmall', meanDelta: 0 });
  });
});

describe("createTrainer (the serving shell's trainer)", () => {
  it('reports the holdout numbers of the model that serves after the run, not of a candidate that lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-fn-'));
    try {
      const config = parseRouterConfig({
        apiVersion: ROUTER_CONFIG_VERSION,
        upstream: { baseUrl: 'http://x/v1' },
        models: candidates,
        policy: { baselineModel: 'mathy' },
        // No candidate can gain a whole utility point over a prior that is right on half the prompts.
        trainer: { enabled: true, holdoutFraction: 0.5, promotionMargin: 1, modelDir: dir },
      });
      const current = prior('cold');
      const lost = await createTrainer({ store: new FsVersionStore(dir) })({ records: records(200), current, config });
      expect(lost.outcome).toBe('CandidateLost');
      expect(lost.model).toBeUndefined();
      // The prior sends everything to `mathy`: right on the math prompts of the holdout only (about half of a
      // hash-keyed slice), where the losing candidate was right on nearly all.
      expect(lost.holdout?.routingAccuracy).toBeGreaterThan(0.3);
      expect(lost.holdout?.routingAccuracy).toBeLessThan(0.6);

      const won = await createTrainer({ store: new FsVersionStore(dir) })({
        records: records(200),
        current,
        config: { ...config, trainer: { ...config.trainer, promotionMargin: 0.005 } },
      });
      expect(won.outcome).toBe('Promoted');
      expect(won.holdout?.routingAccuracy).toBeGreaterThan(0.9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('training off the event loop', () => {
  it("gives the same model as training in process, and the trainer's reason codes", async () => {
    const options = { candidates, lambda: { kind: 'fixed' as const, policy: { mode: 'utility' as const, lambda: 0 } }, tfidf: tinyFeatures };
    const off = await trainOffThread(records(120), options);
    expect(encodeSnapshot(off.serialize()).equals(encodeSnapshot(train(records(120), options).serialize()))).toBe(true);
    await expect(trainOffThread(records(5), options)).rejects.toMatchObject({ reason: 'NotEnoughRecords' });
  });
});
