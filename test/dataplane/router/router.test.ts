import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { parseRouterConfig } from '../../../src/router/config.js';
import { initialRouterModel } from '../../../src/router/serve/initial-model.js';
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

describe('capabilities from the pool (ModelPool spec.models[].capabilities)', () => {
  it('sends a request with an image to a model that declares vision, and a text one where the policy says', async () => {
    const config = parseRouterConfig({
      ...routerConfig(sim.url, sim.models),
      // Cost counts heavily: without a constraint the cold start picks a cheap model.
      policy: { baselineModel: 'gpt-4o-2024-05-13', aliases: ['auto'], lambda: 1e6 },
    });
    const models = config.models.map((m) => (m.name === 'gpt-4o-2024-05-13' ? { ...m, capabilities: ['vision'] } : m));
    const withCaps = { ...config, models };
    const capable = await startRouter(withCaps, { model: (await initialRouterModel(withCaps)).model });
    try {
      const ask = (content: OpenAI.Chat.ChatCompletionUserMessageParam['content']) =>
        new OpenAI({ baseURL: `${capable.url}/v1`, apiKey: 'unused', maxRetries: 0 }).chat.completions
          .create({ model: 'auto', messages: [{ role: 'user', content }] })
          .withResponse();
      const text = await ask(renderQuestion(sim.questions[2]!));
      expect(text.response.headers.get('x-router-model')).not.toBe('gpt-4o-2024-05-13');
      const image = await ask([
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ]);
      expect(image.response.headers.get('x-router-model')).toBe('gpt-4o-2024-05-13');
    } finally {
      await capable.close();
    }
  });
});
