/**
 * @jest-environment ./test/dataplane/cache/onnx-environment.cjs
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import OpenAI from 'openai';
import type { CacheMiddleware } from '../../../src/cache/chat-middleware.js';
import { cacheRuntimeSchema, openCache } from '../../../src/cache/runtime-config.js';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { FixedOrderModel, routerConfig } from '../router/helpers.js';
import { startTestUpstream, type TestUpstream } from './upstream.js';

// Chinese questions through the router's cache, driven by the official openai client: with the Chinese encoder
// (bge-small-zh-v1.5, mounted like any spec.cache.encoder) a rephrased question is a similar-question hit; with the
// English one (all-MiniLM-L6-v2) the same question is only ever an exact hit, because its vocabulary maps most
// Chinese characters to [UNK] and the cache refuses to compare such vectors (docs/adr/0005-embeddings.md).

const ensure = new URL('../../../hack/ensure-embedding-model.sh', import.meta.url).pathname;
const MODEL = 'qwen-max';
let upstream: TestUpstream;
const open: { cache: CacheMiddleware; router: RouterHandle }[] = [];

async function routerWith(modelDir: string): Promise<(question: string) => Promise<{ content: string; cache: string | null }>> {
  const cache = await openCache(cacheRuntimeSchema.parse({ ttlSeconds: 600, embedding: { kind: 'onnx', modelDir } }), {
    price: () => ({ pricePer1MInput: 2.4, pricePer1MOutput: 9.6 }),
  });
  const models = [{ id: MODEL, pricePer1MInput: 2.4, pricePer1MOutput: 9.6 }];
  const router = await startRouter(
    { ...routerConfig(upstream.url, models as never), policy: { baselineModel: MODEL, aliases: ['auto'] } },
    { model: new FixedOrderModel([MODEL]), cache },
  );
  open.push({ cache, router });
  const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: { 'x-mse-consumer': 'alice' } });
  return async (question) => {
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: question }] }).withResponse();
    return { content: data.choices[0]?.message.content ?? '', cache: response.headers.get('x-cache') };
  };
}

beforeAll(async () => {
  upstream = await startTestUpstream();
});

afterAll(async () => {
  for (const { cache, router } of open) {
    await router.close();
    await cache.cache.close();
  }
  await upstream?.close();
});

describe('router cache with Chinese questions', () => {
  it('answers a rephrased Chinese question from the cache with the Chinese encoder, and never a different one', async () => {
    const ask = await routerWith(execFileSync('bash', [ensure, '--model', 'bge-small-zh', '--print-dir'], { encoding: 'utf8' }).trim());
    const first = await ask('怎样重置我的账户密码？');
    expect(first.cache).toBe('miss');
    expect(await ask('如何重置我的账户密码？')).toEqual({ content: first.content, cache: 'hit-semantic' });
    // Delete the account, change the password: other questions, other answers.
    for (const other of ['怎样删除我的账户？', '怎样修改我的账户密码？']) {
      const r = await ask(other);
      expect(r.cache).toBe('miss');
      expect(r.content).not.toBe(first.content);
    }
    expect(open.at(-1)!.cache.cache.stats()).toMatchObject({ semanticHits: 1 });
  });

  it('serves Chinese questions exact-match only with the English encoder', async () => {
    const ask = await routerWith(execFileSync('bash', [ensure, '--print-dir'], { encoding: 'utf8' }).trim());
    const first = await ask('怎样重置我的账户密码？');
    expect(first.cache).toBe('miss');
    expect((await ask('怎样重置我的账户密码？')).cache).toBe('hit-exact');
    expect((await ask('如何重置我的账户密码？')).cache).toBe('miss');
  });
});
