import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig, waitFor } from './helpers.js';

// Upstream failures before the first byte fall back down the ranked list; after it, the client gets a
// clean error. Malformed requests get OpenAI-style 400s and never take the router down.

let sim: SimulatorHandle;
let router: RouterHandle;
let client: OpenAI;
const [first, second, third] = ['gemini-1.5-flash-002', 'phi-3-mini-4k-instruct', 'mathstral-7b'];

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
  const config = routerConfig(sim.url, sim.models);
  router = await startRouter(
    { ...config, upstream: { baseUrl: `${sim.url}/v1`, firstByteTimeoutMs: 300, maxFallbacks: 2 } },
    { model: new FixedOrderModel([first, second, third]) },
  );
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await router?.close();
  await sim?.close();
});

const ask = (stream: boolean, headers: Record<string, string>) =>
  client.chat.completions.create({ model: 'auto', stream, messages: [{ role: 'user', content: 'hello there' }] } as never, { headers });

describe('fallback before the first byte', () => {
  it.each([
    ['500', { 'x-sim-fault': 'error' }, false],
    ['429', { 'x-sim-fault': '429' }, true],
    ['timeout', { 'x-sim-fault': 'slow', 'x-sim-slow-ms': '2000' }, true],
  ])('falls back on %s from the chosen model', async (_name, fault, stream) => {
    const res = await ask(stream, { ...fault, 'x-sim-fault-model': first }).withResponse();
    expect(res.response.headers.get('x-router-model')).toBe(second);
    expect(res.response.headers.get('x-router-fallbacks')).toBe('1');
    if (stream) {
      let text = '';
      for await (const c of res.data as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) text += c.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(10);
    } else {
      expect(res.data.model).toBe(second);
    }
  });

  it('falls back twice, then gives the client the last upstream error', async () => {
    const ok = await ask(false, { 'x-sim-fault': 'error', 'x-sim-fault-model': `${first},${second}` }).withResponse();
    expect(ok.response.headers.get('x-router-model')).toBe(third);
    await expect(ask(false, { 'x-sim-fault': 'error' })).rejects.toMatchObject({ status: 500 });
    await expect(ask(true, { 'x-sim-fault': '429' })).rejects.toMatchObject({ status: 429 });
  });

  it('answers 504 when every model times out', async () => {
    await expect(ask(false, { 'x-sim-fault': 'slow', 'x-sim-slow-ms': '1000' })).rejects.toMatchObject({ status: 504 });
  });
});

describe('failure after the first byte', () => {
  it('ends a cut stream with an error the openai client raises', async () => {
    const stream = await ask(true, { 'x-sim-fault': 'cut' });
    let text = '';
    const consume = async (): Promise<void> => {
      for await (const c of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) text += c.choices[0]?.delta?.content ?? '';
    };
    await expect(consume()).rejects.toMatchObject({ message: expect.stringContaining('upstream stream ended') });
    expect(text.length).toBeGreaterThan(0);
    // The router is still healthy.
    const again = await ask(false, {});
    expect((again as OpenAI.ChatCompletion).choices.length).toBe(1);
  });
});

function raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, router.url);
    const req = httpRequest(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? (JSON.parse(data) as unknown) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('malformed requests', () => {
  it.each([
    ['not JSON', '{"model": "auto", messages', 'invalid_json', null],
    ['empty body', '', 'invalid_json', null],
    ['a JSON array', '[1,2]', 'invalid_request', null],
    ['no messages', '{"model":"auto"}', 'invalid_request', 'messages'],
    ['model of the wrong type', '{"model":7,"messages":[{"role":"user","content":"x"}]}', 'invalid_request', 'model'],
    ['stream of the wrong type', '{"model":"auto","stream":"yes","messages":[{"role":"user","content":"x"}]}', 'invalid_request', 'stream'],
  ])('refuses %s with an OpenAI-style 400', async (_name, body, code, param) => {
    const res = await raw('POST', '/v1/chat/completions', body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code } });
  });

  it('refuses oversized bodies, wrong methods and unknown paths', async () => {
    expect((await raw('POST', '/v1/chat/completions', 'x'.repeat(9 * 1024 * 1024))).status).toBe(413);
    expect((await raw('GET', '/v1/chat/completions', undefined)).status).toBe(405);
    expect((await raw('GET', '/nope', undefined)).status).toBe(404);
    await expect(client.chat.completions.create({ model: 'auto', messages: [] })).rejects.toMatchObject({ status: 400, param: 'messages' });
    expect((await raw('GET', '/healthz', undefined)).status).toBe(404); // probes are on the admin port
    expect((await fetch(`${router.adminUrl}/healthz`)).status).toBe(200);
  });
});

describe('client going away', () => {
  it('aborts the upstream stream when the client disconnects mid-answer', async () => {
    const slowSim = await startSimulator({ timeScale: 0.5 });
    const r = await startRouter(routerConfig(slowSim.url, slowSim.models), { model: new FixedOrderModel(['gpt-4o-2024-05-13']) });
    try {
      const c = new OpenAI({ baseURL: `${r.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      // A long answer (seconds at this time scale), so only an abort can close it within the deadline.
      const q = slowSim.questions.find((x) => (x.results['gpt-4o-2024-05-13']?.outTokens ?? 0) > 600)!;
      const stream = await c.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: q.question }] });
      let chunks = 0;
      for await (const _ of stream) {
        if (++chunks === 3) break; // leaving the loop aborts the HTTP request
      }
      expect(slowSim.openResponses()).toBe(1);
      await waitFor(() => (slowSim.openResponses() === 0 ? true : undefined), 1000, 'the upstream response to close');
    } finally {
      await r.close();
      await slowSim.close();
    }
  });
});
