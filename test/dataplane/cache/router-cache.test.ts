/**
 * @jest-environment ./test/dataplane/cache/onnx-environment.cjs
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { CacheMiddleware } from '../../../src/cache/chat-middleware.js';
import { keyRequest } from '../../../src/cache/request-key.js';
import { cacheRuntimeSchema, openCache } from '../../../src/cache/runtime-config.js';
import { uncalibratedVerifier } from '../../../src/cache/verifier.js';
import { routerStatusSchema } from '../../../src/router/status.js';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { FixedOrderModel, routerConfig, waitFor } from '../router/helpers.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { startTestUpstream, type TestUpstream } from './upstream.js';

// The router runtime with its semantic cache on a real redis-server and the real ONNX embedder,
// driven by the official openai client: exact and similar-question hits, consumer isolation,
// multi-turn scoping, SSE replay, invalidation, and a Redis restart in the middle of traffic.

let redis: TestRedis;
let upstream: TestUpstream;
let cache: CacheMiddleware;
let router: RouterHandle;

const MODEL = 'gpt-4o';
const client = (consumer: string): OpenAI =>
  new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: { 'x-mse-consumer': consumer } });

async function ask(consumer: string, messages: OpenAI.Chat.ChatCompletionMessageParam[]): Promise<{ content: string; cache: string | null }> {
  const { data, response } = await client(consumer).chat.completions.create({ model: MODEL, messages }).withResponse();
  return { content: data.choices[0]?.message.content ?? '', cache: response.headers.get('x-cache') };
}

const user = (content: string): OpenAI.Chat.ChatCompletionMessageParam => ({ role: 'user', content });

beforeAll(async () => {
  execFileSync('bash', [new URL('../../../hack/ensure-embedding-model.sh', import.meta.url).pathname], { stdio: 'inherit' });
  redis = await startTestRedis();
  upstream = await startTestUpstream();
  cache = await openCache(cacheRuntimeSchema.parse({ redis: { host: '127.0.0.1', port: redis.port }, ttlSeconds: 600, embedding: { kind: 'onnx' } }), {
    price: () => ({ pricePer1MInput: 2.5, pricePer1MOutput: 10 }),
  });
  const models = [{ id: MODEL, pricePer1MInput: 2.5, pricePer1MOutput: 10 }];
  router = await startRouter(
    { ...routerConfig(upstream.url, models as never), policy: { baselineModel: MODEL, aliases: ['auto'] } },
    { model: new FixedOrderModel([MODEL]), cache },
  );
});

afterAll(async () => {
  await router?.close();
  await cache?.cache.close();
  await upstream?.close();
  redis?.remove();
});

describe('router semantic cache', () => {
  it('answers a repeated question from the cache, then a rephrased one after verification', async () => {
    const first = await ask('alice', [user('How do I reset my account password?')]);
    expect(first.cache).toBe('miss');
    const again = await ask('alice', [user('How do I reset my account password?')]);
    expect(again).toEqual({ content: first.content, cache: 'hit-exact' });
    const rephrased = await ask('alice', [user('How can I reset my account password?')]);
    expect(rephrased).toEqual({ content: first.content, cache: 'hit-semantic' });
    const other = await ask('alice', [user('How do I delete my account?')]);
    expect(other.cache).toBe('miss');
    expect(other.content).not.toBe(first.content);
    expect(cache.cache.stats()).toMatchObject({ exactHits: 1, semanticHits: 1 });
    expect(cache.cache.stats().usdSaved).toBeGreaterThan(0);
  });

  it('reports the cache in /status (what SemanticRouter status shows) and as Prometheus metrics', async () => {
    const status = routerStatusSchema.parse(await (await fetch(`${router.adminUrl}/status`)).json());
    expect(status.cache).toMatchObject({ exactHits: 1, semanticHits: 1, storeUp: true, semantic: true, calibrated: false, delta: 0.03 });
    expect(status.cache?.lookups).toBeGreaterThanOrEqual(4);
    expect(status.cache?.embedder).toMatch(/^onnx:/);
    const metrics = await (await fetch(`${router.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^router_cache_lookups_total\{result="exact_hit"\} 1$/m);
    expect(metrics).toMatch(/^router_cache_lookups_total\{result="semantic_hit"\} 1$/m);
    expect(metrics).toMatch(/^router_cache_usd_saved_total 0\.\d*[1-9]/m);
    expect(metrics).toMatch(/^router_cache_entries [1-9]/m);
    expect(metrics).toMatch(/^router_cache_semantic 1$/m);
  });

  it('answers identical questions only, and says why, when the sentence encoder is missing (no crash loop)', async () => {
    const noModel = await openCache(cacheRuntimeSchema.parse({ embedding: { kind: 'onnx', modelDir: '/nonexistent/encoder' } }));
    try {
      const stats = noModel.cache.stats();
      expect(stats).toMatchObject({ semantic: false, semanticOff: expect.stringMatching(/^EmbeddingModelMissing: .*\/nonexistent\/encoder/) });
      const keyed = (q: string) => keyRequest('alice', MODEL, [user(q)])!;
      await noModel.cache.store(keyed('How do I reset my account password?'), { completion: { id: 'x' }, promptTokens: 10, completionTokens: 20 });
      expect(await noModel.cache.lookup(keyed('How do I reset my account password?'))).toMatchObject({ hit: true, kind: 'exact' });
      expect(await noModel.cache.lookup(keyed('How can I reset my account password?'))).toEqual({ hit: false, why: 'SemanticDisabled' });
    } finally {
      await noModel.cache.close();
    }
  });

  it('answers identical questions only when spec.cache.verifier is unreadable or cannot certify delta, and says which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verifier-'));
    const weak = join(dir, 'weak.json');
    // Half of the held-out hits wrong at every score: no threshold bounds the wrong share by 3 %.
    writeFileSync(weak, JSON.stringify({ ...uncalibratedVerifier('onnx:x').model, calibration: [{ score: 0.5, hits: 40, wrong: 20 }] }));
    try {
      for (const [verifierPath, reason] of [
        [join(dir, 'absent.json'), /^VerifierUnreadable: .*absent\.json/],
        [weak, /^DeltaNotCertifiable: delta 0\.03 is below 0\.\d{3}, the smallest/],
      ] as const) {
        const opened = await openCache(cacheRuntimeSchema.parse({ verifierPath, embedding: { kind: 'onnx' } }));
        expect(opened.cache.stats()).toMatchObject({ semantic: false, semanticOff: expect.stringMatching(reason) });
        expect(opened.cache.stats().calibrated).toBe(verifierPath === weak);
        await opened.cache.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a recalibrated verifier file without a restart (the kubelet swaps a changed ConfigMap into the mount)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verifier-swap-'));
    const path = join(dir, 'verifier.json');
    const model = (hits: number, wrong: number) => JSON.stringify({ ...uncalibratedVerifier('onnx:x').model, calibration: [{ score: 0.5, hits, wrong }] });
    // The swap: a new file renamed over the path (a new inode), as the kubelet's atomic writer does.
    const swapIn = (text: string) => {
      writeFileSync(`${path}.new`, text);
      renameSync(`${path}.new`, path);
    };
    writeFileSync(path, model(40, 20));
    const opened = await openCache(cacheRuntimeSchema.parse({ verifierPath: path, embedding: { kind: 'onnx' } }), { verifierPollMs: 20 });
    try {
      expect(opened.cache.stats().semanticOff).toMatch(/^DeltaNotCertifiable/);
      swapIn(model(1_000_000, 0));
      await waitFor(() => opened.cache.stats().semantic || undefined, 5000, 'the recalibrated verifier');
      expect(opened.cache.stats()).toMatchObject({ semantic: true, calibrated: true });
      expect(opened.cache.stats().semanticOff).toBeUndefined();
      swapIn('{ not json');
      await waitFor(() => !opened.cache.stats().semantic || undefined, 5000, 'the broken file noticed');
      expect(opened.cache.stats()).toMatchObject({ calibrated: false, semanticOff: expect.stringMatching(/^VerifierUnreadable/) });
    } finally {
      await opened.cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never serves one consumer the answer cached for another', async () => {
    const a = await ask('tenant-a', [user('What is our refund policy?')]);
    const b = await ask('tenant-b', [user('What is our refund policy?')]);
    expect([a.cache, b.cache]).toEqual(['miss', 'miss']);
    expect(a.content).toContain('for tenant-a');
    expect(b.content).toContain('for tenant-b');
    expect((await ask('tenant-a', [user('What is our refund policy?')])).content).toBe(a.content);
    expect((await ask('tenant-b', [user('What is our refund policy?')])).content).toBe(b.content);
  });

  it('keys a follow-up on its conversation: the same words after other turns are another question', async () => {
    const curie = [user('Tell me about Marie Curie.'), { role: 'assistant' as const, content: 'Marie Curie was a physicist and chemist.' }];
    const einstein = [user('Tell me about Albert Einstein.'), { role: 'assistant' as const, content: 'Albert Einstein was a theoretical physicist.' }];
    const c1 = await ask('alice', [...curie, user('How old was she when she died?')]);
    expect(c1.cache).toBe('miss');
    const e1 = await ask('alice', [...einstein, user('How old was she when she died?')]);
    expect(e1.cache).toBe('miss');
    expect(e1.content).not.toBe(c1.content);
    expect(await ask('alice', [...curie, user('How old was she when she died?')])).toEqual({ content: c1.content, cache: 'hit-exact' });
  });

  it('keys a question about an image on the image, and a JSON-mode request apart from a text one', async () => {
    const about = (url: string): OpenAI.Chat.ChatCompletionMessageParam => ({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url } },
      ],
    });
    const cat = await ask('alice', [about('https://example.com/cat.png')]);
    const dog = await ask('alice', [about('https://example.com/dog.png')]);
    expect([cat.cache, dog.cache]).toEqual(['miss', 'miss']);
    expect(await ask('alice', [about('https://example.com/cat.png')])).toEqual({ content: cat.content, cache: 'hit-exact' });
    const json = await client('alice')
      .chat.completions.create({ model: MODEL, messages: [user('What is in this picture?')], response_format: { type: 'json_object' } })
      .withResponse();
    expect(json.response.headers.get('x-cache')).toBe('miss');
  });

  it('answers a request with cache-control: no-cache fresh, and serves that fresh answer afterwards', async () => {
    const q = [user('What is the current on-call rotation?')];
    const first = await ask('alice', q);
    expect(first.cache).toBe('miss');
    const fresh = await client('alice')
      .chat.completions.create({ model: MODEL, messages: q }, { headers: { 'cache-control': 'no-cache' } })
      .withResponse();
    expect(fresh.response.headers.get('x-cache')).toBe('bypass');
    const freshContent = fresh.data.choices[0]?.message.content ?? '';
    expect(freshContent).not.toBe(first.content);
    // The upstream's answer is recorded when the reply has finished.
    await waitFor(async () => ((await ask('alice', q)).content === freshContent ? true : undefined), 5000, 'the fresh answer cached');
    // no-store among other directives: neither recorded nor served from the cache.
    const unstored = [user('Who approves production deploys?')];
    const a = await client('alice')
      .chat.completions.create({ model: MODEL, messages: unstored }, { headers: { 'cache-control': 'max-age=0, No-Store' } })
      .withResponse();
    expect(a.response.headers.get('x-cache')).toBe('miss');
    expect((await ask('alice', unstored)).cache).toBe('miss');
  });

  it('replays a streamed answer as an SSE stream the openai client reads chunk by chunk', async () => {
    const messages = [user('Explain what a semantic cache does.')];
    const read = async (): Promise<{ text: string; chunks: number; cache: string | null }> => {
      const { data: stream, response } = await client('alice')
        .chat.completions.create({ model: MODEL, messages, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let text = '';
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
      }
      return { text, chunks, cache: response.headers.get('x-cache') };
    };
    const live = await read();
    expect(live.cache).toBe('miss');
    const replayed = await waitFor(
      async () => {
        const r = await read();
        return r.cache === 'hit-exact' ? r : undefined;
      },
      10_000,
      'the streamed answer to be cached',
    );
    expect(replayed.text).toBe(live.text);
    expect(replayed.chunks).toBeGreaterThan(3);
    // The same question without streaming is served from the same entry.
    expect(await ask('alice', messages)).toEqual({ content: live.text, cache: 'hit-exact' });
  });

  it('invalidates by consumer prefix through the admin API', async () => {
    await ask('bob', [user('Where is the nearest office?')]);
    expect((await ask('bob', [user('Where is the nearest office?')])).cache).toBe('hit-exact');
    const invalidate = (base: string) =>
      fetch(`${base}/cache/invalidate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ consumer: 'bob' }) });
    // The API port is what the gateway publishes: the admin API is not there (anyone could flush the cache).
    expect((await invalidate(router.url)).status).toBe(404);
    expect((await ask('bob', [user('Where is the nearest office?')])).cache).toBe('hit-exact');
    const res = await invalidate(router.adminUrl);
    expect(await res.json()).toEqual({ removed: 1 });
    expect((await ask('bob', [user('Where is the nearest office?')])).cache).toBe('miss');
  });

  it('survives a Redis restart: misses while it is down, counts the errors, refills after', async () => {
    const before = cache.cache.stats().storeErrors;
    const callsBefore = upstream.calls;
    redis.stop();
    const during = await ask('carol', [user('What are the opening hours?')]);
    expect(during.content).toContain('answer #');
    expect(upstream.calls).toBe(callsBefore + 1);
    expect(cache.cache.stats()).toMatchObject({ storeUp: false });
    expect(cache.cache.stats().storeErrors).toBeGreaterThan(before);
    redis.start();
    // Once the client has reconnected, a miss is stored again and the next ask is a hit.
    await waitFor(
      async () => {
        const r = await ask('carol', [user('What are the opening hours?')]);
        return r.cache === 'hit-exact' ? r : undefined;
      },
      20_000,
      'the cache to refill after the restart',
    );
    expect(cache.cache.stats().storeUp).toBe(true);
  });
});
