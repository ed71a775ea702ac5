import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRouterConfig, ROUTER_CONFIG_VERSION } from '../config.js';
import { coldStartModel } from '../decision/cold-start.js';
import { MemoryStore } from '../flywheel/store.js';
import { FsVersionStore } from '../training/version-store.js';
import { initialRouterModel } from './initial-model.js';
import { createRouterMetrics } from './metrics.js';
import { TrainerLoop, type TrainerFn } from './trainer-loop.js';

const models = [
  { name: 'a', pricePer1MInput: 1, pricePer1MOutput: 1 },
  { name: 'b', pricePer1MInput: 2, pricePer1MOutput: 2 },
];

function configWith(modelDir: string, pinnedVersion?: string) {
  return parseRouterConfig({
    apiVersion: ROUTER_CONFIG_VERSION,
    upstream: { baseUrl: 'http://x/v1' },
    models,
    policy: { baselineModel: 'a' },
    trainer: { enabled: true, minNewRecords: 1, modelDir, ...(pinnedVersion ? { pinnedVersion } : {}) },
  });
}

describe('trainer.pinnedVersion', () => {
  it('serves the pinned version from the volume instead of the last promoted one, and says which exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pin-'));
    try {
      const versions = new FsVersionStore(dir);
      for (const v of ['r10-old', 'r20-new']) {
        const m = coldStartModel({ candidates: models, policy: { mode: 'utility', lambda: 1 }, baselineModel: 'a' }).serialize();
        await versions.save({ ...m, version: v, createdAt: v === 'r10-old' ? '2026-12-01T00:00:00Z' : '2026-12-01T01:00:00Z' });
        await versions.promote(v);
      }
      expect((await initialRouterModel(configWith(dir))).model.version).toBe('r20-new');
      const pinned = await initialRouterModel(configWith(dir, 'r10-old'));
      expect(pinned.model.version).toBe('r10-old');
      expect(pinned.pinned).toEqual({ version: 'r10-old', found: true, available: ['r10-old', 'r20-new'] });
      // A version the volume does not have: the router serves what it would have, and says so.
      const missing = await initialRouterModel(configWith(dir, 'r99-gone'));
      expect(missing.model.version).toBe('r20-new');
      expect(missing.pinned).toEqual({ version: 'r99-gone', found: false, available: ['r10-old', 'r20-new'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pauses training, promotions and rollbacks while pinned', async () => {
    const store = new MemoryStore();
    let runs = 0;
    const trainer: TrainerFn = () => {
      runs++;
      return Promise.resolve({ outcome: 'CandidateLost' });
    };
    const dir = mkdtempSync(join(tmpdir(), 'pin-'));
    const start = await initialRouterModel(configWith(dir, 'r1'));
    rmSync(dir, { recursive: true, force: true });
    let current = start.model;
    const loop = new TrainerLoop(
      configWith('/unused', 'r1'),
      store,
      { current: () => current, swap: (m) => (current = m) },
      createRouterMetrics(),
      trainer,
      undefined,
      start.pinned,
    );
    await store.append({
      id: '1',
      createdAt: '',
      prompt: 'p',
      request: {},
      routerVersion: 'v',
      primary: { model: 'a', output: '', latencyMs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, score: 1 },
      shadows: [],
    });
    await loop.maybeRun(true);
    expect(runs).toBe(0);
    expect(loop.state).toMatchObject({ state: 'pinned', pinned: { version: 'r1', found: false } });
  });
});
