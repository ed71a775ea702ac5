import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../hack/postgres.js';
import { SqliteStore } from '../../../src/router/flywheel/sqlite-store.js';
import { startRouter } from '../../../src/router/serve/server.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig, tempDir, waitFor } from './helpers.js';

// Data-generation mode end to end: sampled user answers are shadowed to the baseline (and fan-out models),
// scored by the simulator's /v1/evaluate and stored; the queue is bounded and drops are counted.

let sim: SimulatorHandle;
let pg: ThrowawayPostgres | undefined;
const dir = tempDir('flywheel-');
const primaryModel = 'phi-3-mini-4k-instruct';
const baseline = 'gpt-4o-2024-05-13';

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
  pg = await startThrowawayPostgres();
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (client: OpenAI, i: number, stream: boolean) =>
  client.chat.completions.create({
    model: 'auto',
    stream,
    messages: [{ role: 'user', content: renderQuestion(sim.questions[i]!) }],
  } as never);

describe('flywheel data path', () => {
  it('records user answer, baseline and fan-out shadows with evaluator scores in SQLite', async () => {
    const path = join(dir, 'fw.db');
    const router = await startRouter(
      routerConfig(sim.url, sim.models, {
        flywheel: { mode: 'data-generation', sampleRate: 1, fanOut: 2 },
        store: { kind: 'sqlite', path },
      }),
      { model: new FixedOrderModel([primaryModel]) },
    );
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const r = await ask(client, i, i % 2 === 1);
      if (i % 2 === 1) for await (const _ of r as unknown as AsyncIterable<unknown>) void _;
    }
    await router.flywheel.drain();
    const status = await router.status();
    await router.close();

    const store = new SqliteStore(path);
    const records = await store.all();
    await store.close();
    expect(records).toHaveLength(4);
    records.forEach((rec) => {
      const q = sim.questions.find((qq) => rec.prompt === renderQuestion(qq))!;
      expect(rec.primary.model).toBe(primaryModel);
      expect(rec.primary.score).toBe(q.results[primaryModel]!.correct ? 1 : 0);
      expect(rec.primary.outputTokens).toBe(q.results[primaryModel]!.outTokens);
      expect(rec.shadows).toHaveLength(3);
      const base = rec.shadows.find((s) => s.model === baseline)!;
      expect(base.score).toBe(q.results[baseline]!.correct ? 1 : 0);
      expect(base.costUsd).toBeGreaterThan(0);
      expect(rec.request).toMatchObject({ model: 'auto' });
    });
    expect(status.flywheel.datasetSize).toBe(4);
    expect(status.live.pairedRecords).toBe(4);
    expect(status.live.costRatio).toBeLessThan(1);
  });

  it('bounds the shadow queue and counts drops without slowing the user path', async () => {
    const router = await startRouter(
      routerConfig(sim.url, sim.models, { flywheel: { mode: 'data-generation', sampleRate: 1, queueSize: 1, concurrency: 1 } }),
      { model: new FixedOrderModel([primaryModel]) },
    );
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
    sim.setFaults({ slowFirstByteMs: 2000, models: [baseline] });
    try {
      await Promise.all([0, 1, 2, 3, 4].map((i) => ask(client, i, false)));
      // No shadow has finished (each baseline answer is 2 s away), yet every user request has: the user path did
      // not wait on one. Causal, not a wall-clock bound, so a loaded machine cannot fail it.
      expect(await router.store.count()).toBe(0);
      const status = await router.status();
      expect(status.counters.flywheelDropped).toBeGreaterThanOrEqual(3);
      expect(status.flywheel.queueDepth).toBeLessThanOrEqual(1);
      await router.flywheel.drain();
      expect(await router.store.count()).toBe(5 - status.counters.flywheelDropped);
    } finally {
      sim.setFaults({});
      await router.close();
    }
  });

  it('lets two router replicas share one PostgreSQL dataset', async () => {
    const env = { FLYWHEEL_PG: pg?.url ?? '' };
    const config = routerConfig(sim.url, sim.models, {
      flywheel: { mode: 'data-generation', sampleRate: 1 },
      store: { kind: 'postgres', connectionStringEnv: 'FLYWHEEL_PG', table: 'shared_records' },
    });
    const a = await startRouter(config, { model: new FixedOrderModel([primaryModel]), env });
    const b = await startRouter(config, { model: new FixedOrderModel(['mathstral-7b']), env });
    try {
      await ask(new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'x' }), 5, false);
      await ask(new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'x' }), 6, true).then(async (s) => {
        for await (const _ of s as unknown as AsyncIterable<unknown>) void _;
      });
      await waitFor(async () => ((await a.store.count()) === 2 ? true : undefined), 10_000, 'both records');
      const models = (await b.store.all()).map((r) => r.primary.model).sort();
      expect(models).toEqual(['mathstral-7b', primaryModel]);
      expect((await a.status()).flywheel.datasetSize).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
