import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { routerStatusSchema } from '../../../src/router/status.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig } from './helpers.js';

// The official openai client against the router, which fronts the simulator: streaming and not.

let sim: SimulatorHandle;
let router: RouterHandle;
let client: OpenAI;
const order = ['gemini-1.5-flash-002', 'phi-3-mini-4k-instruct', 'gpt-4o-2024-05-13'];

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.005 });
  router = await startRouter(routerConfig(sim.url, sim.models), { model: new FixedOrderModel(order) });
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await router?.close();
  await sim?.close();
});

describe('router with the openai client', () => {
  it('routes a non-streaming request and reports the decision in headers', async () => {
    const q = sim.questions[0]!;
    const { data, response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: renderQuestion(q) }] }).withResponse();
    expect(response.headers.get('x-router-model')).toBe(order[0]);
    expect(Number(response.headers.get('x-router-decision-ms'))).toBeGreaterThanOrEqual(0);
    expect(data.model).toBe(order[0]);
    const pred = q.results[order[0]!]!.pred;
    expect(data.choices[0]?.message.content).toContain(pred ? `The answer is (${pred})` : 'cannot determine');
    expect(data.usage?.completion_tokens).toBe(q.results[order[0]!]!.outTokens);
  });

  it('streams the same answer token by token', async () => {
    const q = sim.questions[1]!;
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Answer with the letter.' },
        { role: 'user', content: `Question: ${q.question}\nOptions: ${q.options.join(' | ')}` },
      ],
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(chunks).toBeGreaterThan(3);
    const pred = q.results[order[0]!]!.pred;
    if (pred) expect(text).toContain(`The answer is (${pred})`);
    expect(usage?.completion_tokens).toBe(q.results[order[0]!]!.outTokens);
  });

  it('passes a named pool model through without deciding', async () => {
    const model = router.model() as FixedOrderModel;
    const before = model.decisions;
    const { data, response } = await client.chat.completions.create({ model: 'mathstral-7b', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.model).toBe('mathstral-7b');
    expect(response.headers.get('x-router-reason')).toBe('PinnedByClient');
    expect(model.decisions).toBe(before);
  });

  it('lists aliases and pool models, and serves /status and /metrics on the admin port', async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toContain('auto');
    expect(ids).toContain('gpt-4o-2024-05-13');
    const status = routerStatusSchema.parse(await (await fetch(`${router.adminUrl}/status`)).json());
    expect(status.modelVersion).toBe('fixed-1');
    expect(status.counters.requests).toBeGreaterThanOrEqual(3);
    expect(status.decisionMs.samples).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${router.adminUrl}/metrics`)).text();
    expect(metrics).toContain('router_requests_total{model="gemini-1.5-flash-002"');
    expect(metrics).toContain('router_decision_seconds_bucket');
  });

  it('answers 404 for /status, /metrics and the probes on the API port (the one the gateway publishes)', async () => {
    expect(router.adminPort).not.toBe(router.port);
    for (const path of ['/status', '/metrics', '/healthz', '/readyz']) {
      const res = await fetch(`${router.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      await res.arrayBuffer();
    }
  });
});
