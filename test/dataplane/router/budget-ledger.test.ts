import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../hack/postgres.js';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig, tempDir, waitFor } from './helpers.js';

// The budget is one number per window for everyone sharing the flywheel store: two replicas on PostgreSQL spend
// one budget, and a router restarted on its SQLite volume goes on from what it had spent.

let sim: SimulatorHandle;
let pg: ThrowawayPostgres | undefined;
const dir = tempDir('budget-ledger-');
const budget = { limitUsd: 1, window: 'day' as const };

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
  pg = await startThrowawayPostgres();
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ask(router: RouterHandle, i: number): Promise<void> {
  await new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x' }).chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: renderQuestion(sim.questions[i]!) }],
  });
}

/** The router's budget once it has seen `requests` in the window (its own and the ledger's). */
async function spendOnce(router: RouterHandle, requests: number) {
  return waitFor(
    async () => {
      const b = (await router.status()).budget;
      return b?.requests === requests ? b : undefined;
    },
    10_000,
    `budget.requests = ${requests}`,
  );
}

describe('budget spend ledger', () => {
  it('makes two PostgreSQL replicas spend one budget', async () => {
    const env = { BUDGET_PG: pg?.url ?? '' };
    const config = routerConfig(sim.url, sim.models, { budget, store: { kind: 'postgres', connectionStringEnv: 'BUDGET_PG', table: 'budget_shared' } });
    const a = await startRouter(config, { model: new FixedOrderModel(['gpt-4o-2024-05-13']), env });
    const b = await startRouter(config, { model: new FixedOrderModel(['phi-3-mini-4k-instruct']), env });
    try {
      await ask(a, 1);
      await ask(a, 2);
      await ask(b, 3);
      const [sa, sb] = [await spendOnce(a, 3), await spendOnce(b, 3)];
      expect(sa.spentUsd).toBeGreaterThan(0);
      expect(sb.spentUsd).toBeCloseTo(sa.spentUsd, 12);
      expect(sa.ledger).toBe('postgres');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps what a router spent across its restart on SQLite', async () => {
    const config = routerConfig(sim.url, sim.models, { budget, store: { kind: 'sqlite', path: join(dir, 'router.db') } });
    const first = await startRouter(config, { model: new FixedOrderModel(['gpt-4o-2024-05-13']) });
    let spent: number;
    try {
      await ask(first, 4);
      await ask(first, 5);
      spent = (await spendOnce(first, 2)).spentUsd;
      expect(spent).toBeGreaterThan(0);
    } finally {
      await first.close();
    }
    const second = await startRouter(config, { model: new FixedOrderModel(['gpt-4o-2024-05-13']) });
    try {
      const again = await spendOnce(second, 2);
      expect(again.spentUsd).toBeCloseTo(spent, 12);
      expect(again.ledger).toBe('sqlite');
    } finally {
      await second.close();
    }
  });
});
