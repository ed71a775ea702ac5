import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startRouter } from '../../../src/router/serve/server.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig } from './helpers.js';

// Issue 13: requests that name a pool model feed the flywheel too (before, only `auto` traffic did); their
// records train the router, but the live routing numbers in /status count only routed requests.

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(async () => sim.close());

describe('flywheel sampling of named models', () => {
  it('records requests naming a pool model, shadowed to the baseline, outside the live routing stats', async () => {
    const router = await startRouter(routerConfig(sim.url, sim.models, { flywheel: { mode: 'data-generation', sampleRate: 1 } }), {
      model: new FixedOrderModel(['phi-3-mini-4k-instruct']),
    });
    try {
      const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
      for (let i = 0; i < 3; i++) {
        await client.chat.completions.create({ model: 'llama-3.1-8b-instruct', messages: [{ role: 'user', content: renderQuestion(sim.questions[i]!) }] });
      }
      await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: renderQuestion(sim.questions[3]!) }] });
      await router.flywheel.drain();
      const records = await router.store.all();
      expect(records.map((r) => [(r.request as { model: string }).model, r.primary.model, r.shadows.map((s) => s.model)])).toEqual([
        ['llama-3.1-8b-instruct', 'llama-3.1-8b-instruct', ['gpt-4o-2024-05-13']],
        ['llama-3.1-8b-instruct', 'llama-3.1-8b-instruct', ['gpt-4o-2024-05-13']],
        ['llama-3.1-8b-instruct', 'llama-3.1-8b-instruct', ['gpt-4o-2024-05-13']],
        ['auto', 'phi-3-mini-4k-instruct', ['gpt-4o-2024-05-13']],
      ]);
      expect((await router.status()).live.pairedRecords).toBe(1);
    } finally {
      await router.close();
    }
  });

  it('can be turned off', async () => {
    const router = await startRouter(routerConfig(sim.url, sim.models, { flywheel: { mode: 'data-generation', sampleRate: 1, sampleNamedModels: false } }), {
      model: new FixedOrderModel(['phi-3-mini-4k-instruct']),
    });
    try {
      const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
      await client.chat.completions.create({ model: 'llama-3.1-8b-instruct', messages: [{ role: 'user', content: renderQuestion(sim.questions[0]!) }] });
      await router.flywheel.drain();
      expect(await router.store.count()).toBe(0);
    } finally {
      await router.close();
    }
  });
});
