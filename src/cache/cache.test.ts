import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { answerShape } from './chat-middleware.js';
import { HashingEmbedder } from '../rag/embed/hashing.js';
import { seededRandom } from '../util/random.js';
import { MemoryCacheStore } from './memory-store.js';
import { keyPrefix, keyRequest } from './request-key.js';
import { replaySse, replyFromJson, replyFromSse } from './reply-codec.js';
import { SemanticCache } from './semantic-cache.js';
import type { CacheEntry } from './types.js';
import { VectorIndex } from './vector-index.js';
import { F32Arena, simdAvailable } from './f32-arena.js';
import { decodeEntry, encodeEntry } from './redis-store.js';
import { Verifier, calibrationTable, fitVerifier, uncalibratedVerifier, wilsonUpper } from './verifier.js';
import { FEATURE_NAMES } from './pair-features.js';

const user = (content: string) => ({ role: 'user', content });

describe('request keys', () => {
  it('isolate consumers, models and system prompts; ignore case and spacing of the question', () => {
    const base = keyRequest('a', 'm', [user('What is TTL?')]);
    expect(keyRequest('a', 'm', [user('  what is   ttl? ')])?.key).toBe(base?.key);
    expect(keyRequest('b', 'm', [user('What is TTL?')])?.scope).not.toBe(base?.scope);
    expect(keyRequest('a', 'm2', [user('What is TTL?')])?.scope).not.toBe(base?.scope);
    expect(keyRequest('a', 'm', [{ role: 'system', content: 'Answer in French.' }, user('What is TTL?')])?.scope).not.toBe(base?.scope);
    expect(base?.key.startsWith(keyPrefix('a', 'm'))).toBe(true);
    // Full-width punctuation and digits (Chinese input methods) are the same question.
    expect(keyRequest('a', 'm', [user('怎样重置密码？第２步是什么')])?.key).toBe(keyRequest('a', 'm', [user('怎样重置密码?第2步是什么')])?.key);
  });

  it('scope a follow-up by its conversation', () => {
    const a = keyRequest('a', 'm', [user('Tell me about Curie'), { role: 'assistant', content: 'x' }, user('How old was she?')]);
    const b = keyRequest('a', 'm', [user('Tell me about Einstein'), { role: 'assistant', content: 'y' }, user('How old was she?')]);
    expect(a?.followUp).toBe(true);
    expect(a?.scope).not.toBe(b?.scope);
    expect(keyRequest('a', 'm', [{ role: 'assistant', content: 'hi' }])).toBeUndefined();
  });

  it('key a question beside an image on the image, and on the answer shape the client asked for', () => {
    const about = (url: string) => ({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url } },
      ],
    });
    const cat = keyRequest('a', 'm', [about('https://x/cat.png')])!;
    expect(cat.question).toBe('What is in this picture?');
    expect(keyRequest('a', 'm', [about('https://x/dog.png')])?.scope).not.toBe(cat.scope);
    expect(keyRequest('a', 'm', [about('https://x/cat.png')])?.key).toBe(cat.key);
    expect(keyRequest('a', 'm', [user('What is in this picture?')])?.scope).not.toBe(cat.scope);
    // An earlier turn's image is part of the conversation a follow-up is keyed on.
    const followUp = (url: string) => keyRequest('a', 'm', [about(url), { role: 'assistant', content: 'An animal.' }, user('What colour is it?')])?.scope;
    expect(followUp('https://x/cat.png')).not.toBe(followUp('https://x/dog.png'));
    const ask = (extra: Record<string, unknown>) =>
      keyRequest('a', 'm', [user('List three colours')], answerShape({ model: 'm', messages: [], ...extra }))?.scope;
    expect(ask({})).toBe(keyRequest('a', 'm', [user('List three colours')])?.scope);
    expect(ask({ response_format: { type: 'json_object' } })).not.toBe(ask({}));
    expect(ask({ max_tokens: 20 })).not.toBe(ask({}));
    expect(ask({ temperature: 0.2, seed: 7 })).toBe(ask({}));
    expect(ask({ response_format: { type: 'json_schema', json_schema: { name: 'c', schema: { a: 1, b: 2 } } } })).toBe(
      ask({ response_format: { json_schema: { schema: { b: 2, a: 1 }, name: 'c' }, type: 'json_schema' } }),
    );
  });

  it('keep the scope of a text-only request as it was before images and answer shapes were keyed (stored entries stay found)', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);
    expect(keyRequest('a', 'm', [user('What is TTL?')])?.scope).toBe(sha(['a', 'm', '', ''].join('\u0000')));
  });
});

describe('vector index', () => {
  it('finds the exact nearest neighbour most of the time once partitioned', () => {
    const rnd = seededRandom(3);
    const dim = 32;
    const unit = (): Float32Array => {
      const v = Float32Array.from({ length: dim }, () => rnd() - 0.5);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const idx = new VectorIndex(dim, { flatLimit: 500 });
    for (let i = 0; i < 5000; i++) idx.add(String(i), unit());
    expect(idx.partitions).toBeGreaterThan(1);
    let agree = 0;
    for (let q = 0; q < 100; q++) {
      const v = unit();
      if (idx.search(v, 1)[0]?.id === idx.searchExact(v, 1)[0]?.id) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(60);
    expect(idx.remove('7')).toBe(true);
    expect(idx.has('7')).toBe(false);
    expect(idx.size).toBe(4999);
  });

  it('keeps every vector findable through adds, removals, re-adds and list moves (SIMD and JS scoring)', () => {
    for (const dim of [48, 20]) {
      const rnd = seededRandom(dim);
      const unit = (): Float32Array => {
        const v = Float32Array.from({ length: dim }, () => rnd() - 0.5);
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      };
      const idx = new VectorIndex(dim, { flatLimit: 200, probes: 1_000 });
      expect(idx.simd).toBe(false); // small: a plain array until it fills a WebAssembly page
      const vectors = new Map<string, Float32Array>();
      for (let i = 0; i < 1500; i++) {
        const id = String(i % 1100); // ids 0..399 are added twice: the second add replaces the first
        const v = unit();
        vectors.set(id, v);
        idx.add(id, v);
        if (i % 7 === 3) {
          const gone = String(Math.floor(rnd() * 1100));
          if (idx.remove(gone)) vectors.delete(gone);
        }
      }
      expect(idx.size).toBe(vectors.size);
      expect(idx.partitions).toBeGreaterThan(1);
      expect(idx.simd).toBe(dim === 48 && simdAvailable(48));
      // probes ≥ lists: the search is exhaustive, so every vector must come back as its own neighbour.
      for (const [id, v] of vectors) {
        const [best] = idx.search(v, 1);
        expect(best?.id).toBe(id);
        expect(best?.score).toBeCloseTo(1, 5);
      }
    }
  });

  it('scores rows with the SIMD kernel exactly like the JS loop (to float32 rounding)', () => {
    const rnd = seededRandom(5);
    const simd = new F32Arena(64, 300);
    const plain = new F32Arena(60, 300);
    const small = new F32Arena(64);
    expect(small.simd).toBe(false);
    small.ensure(400); // grows past a page: moves into WebAssembly memory, keeping its rows
    const q = Float32Array.from({ length: 64 }, () => rnd() - 0.5);
    simd.setQuery(q);
    plain.setQuery(q.subarray(0, 60));
    for (let r = 1; r <= 100; r++) {
      const v = Float32Array.from({ length: 64 }, () => rnd() - 0.5);
      simd.set(r, v);
      plain.set(r, v.subarray(0, 60));
      if (r === 1) {
        const before = new F32Arena(64);
        before.setQuery(q);
        before.set(1, v);
        before.ensure(400);
        expect(before.simd).toBe(simdAvailable(64));
        expect(before.score(1)).toBeCloseTo(simd.score(1), 5);
      }
      let want = 0;
      for (let d = 0; d < 64; d++) want += (q[d] as number) * (v[d] as number);
      expect(simd.score(r)).toBeCloseTo(want, 4);
    }
    expect(simd.simd).toBe(simdAvailable(64));
    expect(plain.simd).toBe(false);
    expect(small.simd).toBe(simdAvailable(64));
    expect(simd.capacity).toBeGreaterThanOrEqual(100);
  });
});

describe('redis entry layout', () => {
  const entry: CacheEntry = {
    key: 'c/m/s/q',
    scope: 's',
    question: 'What is TTL?',
    vector: Float32Array.from([0.5, -0.25, 0.125]),
    reply: { completion: { id: 'x', choices: [] }, promptTokens: 3, completionTokens: 4 },
    model: 'm',
    createdAt: 1,
    expiresAt: 0,
    wrongScores: [0.9],
  };

  it('round-trips the binary layout, unaligned reply buffers included', () => {
    const raw = encodeEntry(entry);
    expect(raw.subarray(0, 4).toString()).toBe('HAC2');
    expect(decodeEntry(raw)).toEqual(entry);
    const shifted = Buffer.concat([Buffer.from([0]), raw]).subarray(1);
    expect(decodeEntry(shifted)?.vector).toEqual(entry.vector);
  });

  it('still reads entries written in the v1 JSON layout, and refuses garbage', () => {
    const v1 = JSON.stringify({ ...entry, vector: Buffer.from(entry.vector.buffer).toString('base64') });
    expect(decodeEntry(Buffer.from(v1))).toEqual(entry);
    expect(decodeEntry(Buffer.from('HAC2\xff\xff'))).toBeUndefined();
    expect(decodeEntry(Buffer.from('{not json'))).toBeUndefined();
  });
});

describe('verifier', () => {
  it('Wilson upper bound shrinks towards the observed rate with more data', () => {
    expect(wilsonUpper(0, 10)).toBeGreaterThan(0.15);
    expect(wilsonUpper(10, 1000)).toBeLessThan(0.02);
    expect(wilsonUpper(10, 1000)).toBeGreaterThan(0.01);
  });

  it('picks the lowest score whose calibrated wrong share is within delta', () => {
    // 400 right hits scored 0.9..1, then 100 wrong ones mixed into 0.5..0.6.
    const scored = [
      ...Array.from({ length: 400 }, (_, i) => ({ score: 0.9 + i / 4000, label: 1 as const })),
      ...Array.from({ length: 100 }, (_, i) => ({ score: 0.5 + i / 1000, label: 0 as const })),
    ];
    const fitted = fitVerifier(
      Array.from({ length: 200 }, (_, i) => ({ features: Float64Array.from(FEATURE_NAMES, () => (i % 2 ? 0.9 : 0.2)), label: (i % 2) as 0 | 1 })),
      { embedder: 'test' },
    );
    const v = new Verifier({ ...fitted, calibration: calibrationTable(scored) });
    const tau = v.thresholdFor(0.03);
    expect(tau).toBeGreaterThanOrEqual(0.55);
    expect(tau).toBeLessThanOrEqual(0.9);
    expect(v.thresholdFor(0.0001)).toBe(Infinity);
    // The attainable floor: no cut certifies less, and exactly that floor is certifiable.
    const floor = v.minCertifiableDelta();
    expect(v.thresholdFor(floor * 0.99)).toBe(Infinity);
    expect(v.thresholdFor(floor)).toBeLessThan(Infinity);
    expect(v.score(Float64Array.from(FEATURE_NAMES, () => 0.9))).toBeGreaterThan(0.9);
  });
});

describe('reply codec', () => {
  const completion = {
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, this is a longer cached answer.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
  };

  it('stores plain answers, refuses tool calls and truncated ones', () => {
    expect(replyFromJson(completion, 20)).toMatchObject({ promptTokens: 5, completionTokens: 9 });
    expect(replyFromJson({ ...completion, choices: [{ ...completion.choices[0], finish_reason: 'length' }] }, 20)).toBeUndefined();
    expect(
      replyFromJson({ ...completion, choices: [{ index: 0, message: { role: 'assistant', content: 'x', tool_calls: [] }, finish_reason: 'stop' }] }, 20),
    ).toBeUndefined();
  });

  it('replays as SSE frames that assemble back into the same answer', () => {
    const reply = replyFromJson(completion, 20)!;
    const frames = replaySse(reply, 'chatcmpl-cache-1', { includeUsage: true });
    expect(frames.length).toBeGreaterThan(4);
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    const back = replyFromSse(frames.join(''), 20);
    expect((back?.completion.choices as { message: { content: string } }[])[0]?.message.content).toBe('Hello there, this is a longer cached answer.');
  });
});

describe('semantic cache (memory store, hashing embedder)', () => {
  const reply = { completion: { id: 'x', choices: [] }, promptTokens: 10, completionTokens: 100 };
  const open = (store = new MemoryCacheStore(100)) =>
    new SemanticCache({
      store,
      embedder: new HashingEmbedder(256),
      verifier: uncalibratedVerifier('hashing', 0.9),
      delta: 0.03,
      ttlSeconds: 60,
      price: () => ({ pricePer1MInput: 1, pricePer1MOutput: 10 }),
    });

  it('hits exactly, counts savings, invalidates by prefix and learns a per-entry bound', async () => {
    const cache = open();
    const k = keyRequest('a', 'm', [user('how do I rotate my api key')])!;
    expect((await cache.lookup(k)).hit).toBe(false);
    await cache.store(k, reply);
    const hit = await cache.lookup(k);
    expect(hit).toMatchObject({ hit: true, kind: 'exact' });
    expect(cache.stats()).toMatchObject({ exactHits: 1, tokensSaved: 110, entries: 1 });
    expect(cache.stats().usdSaved).toBeCloseTo(0.00101, 6);
    expect(await cache.invalidate({ consumer: 'a' })).toBe(1);
    expect((await cache.lookup(k)).hit).toBe(false);
    await cache.store(k, reply);
    expect(await cache.reportWrong(k.key, 0.99)).toBe(true);
  });

  it('prices a hit as the model that answered, not the virtual model the client asked for', async () => {
    const priced = new SemanticCache({
      store: new MemoryCacheStore(100),
      embedder: new HashingEmbedder(256),
      verifier: uncalibratedVerifier('hashing', 0.9),
      delta: 0.03,
      ttlSeconds: 60,
      price: (m) => (m === 'gpt-4o' ? { pricePer1MInput: 1, pricePer1MOutput: 10 } : undefined),
    });
    const k = keyRequest('a', 'auto', [user('how do I rotate my api key')])!;
    await priced.store(k, { ...reply, completion: { id: 'x', model: 'gpt-4o', choices: [] } });
    expect((await priced.lookup(k)).hit).toBe(true);
    expect(priced.stats().usdSaved).toBeCloseTo(0.00101, 6);
  });

  it('follows the store when it evicts (size limit) and drops expired entries', async () => {
    let now = 1_000;
    const store = new MemoryCacheStore(1, () => now);
    const cache = new SemanticCache({
      store,
      embedder: new HashingEmbedder(64),
      verifier: uncalibratedVerifier('hashing'),
      delta: 0.03,
      ttlSeconds: 1,
      now: () => now,
    });
    await cache.store(keyRequest('a', 'm', [user('first question')])!, reply);
    await cache.store(keyRequest('a', 'm', [user('second question')])!, reply);
    expect(cache.entries).toBe(1);
    now += 5_000;
    expect((await cache.lookup(keyRequest('a', 'm', [user('second question')])!)).hit).toBe(false);
    const e: CacheEntry[] = [];
    for await (const x of store.scan()) e.push(x);
    expect(e).toHaveLength(0);
  });

  it('reads the store for semantic candidates only when one passes, and honours feedback written by another replica', async () => {
    class CountingStore extends MemoryCacheStore {
      manyCalls = 0;
      override getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
        this.manyCalls++;
        return super.getMany(keys);
      }
    }
    const store = new CountingStore(100);
    const cache = new SemanticCache({ store, embedder: new HashingEmbedder(256), verifier: uncalibratedVerifier('hashing', 0.6), delta: 0.03, ttlSeconds: 0 });
    const cached = keyRequest('a', 'm', [user('how do I rotate my api key for the billing service')])!;
    await cache.store(cached, reply);
    const rejected = await cache.lookup(keyRequest('a', 'm', [user('what is the weather in paris tomorrow')])!);
    expect(rejected.hit).toBe(false);
    expect(store.manyCalls).toBe(0);
    const paraphrase = keyRequest('a', 'm', [user('how do I rotate the api key for the billing service')])!;
    const hit = await cache.lookup(paraphrase);
    expect(hit).toMatchObject({ hit: true, kind: 'semantic' });
    expect(store.manyCalls).toBe(1);
    // Another replica reported this entry wrong at a score above this lookup's: the store's copy wins.
    const entry = (await store.get(cached.key))!;
    await store.put({ ...entry, wrongScores: [hit.hit ? hit.score : 1] });
    expect((await cache.lookup(paraphrase)).hit).toBe(false);
  });

  it("keeps a store that outlived its model usable: other models' vectors and vectorless entries answer only identical questions", async () => {
    const store = new MemoryCacheStore(100);
    const q = (text: string) => keyRequest('a', 'm', [user(text)])!;
    // Written by a router without its encoder (no vector), and by one on another 256-d model.
    const blind = new SemanticCache({
      store,
      embedder: new HashingEmbedder(256),
      verifier: uncalibratedVerifier('hashing'),
      delta: 0.03,
      ttlSeconds: 0,
      semanticOff: 'EmbeddingModelMissing: test',
    });
    await blind.store(q('how do I rotate my api key for the billing service'), reply);
    expect((await store.get(q('how do I rotate my api key for the billing service').key))!.vector).toHaveLength(0);
    const other = new HashingEmbedder(256);
    Object.defineProperty(other, 'name', { value: 'onnx:another-model' });
    await new SemanticCache({ store, embedder: other, verifier: uncalibratedVerifier('x', 0.6), delta: 0.03, ttlSeconds: 0 }).store(
      q('how do I reset my password for the billing portal'),
      reply,
    );
    // A router on this model starts over that store: the index takes neither, both still answer exactly.
    const cache = new SemanticCache({ store, embedder: new HashingEmbedder(256), verifier: uncalibratedVerifier('hashing', 0.6), delta: 0.03, ttlSeconds: 0 });
    expect(await cache.resync()).toBe(2);
    expect(cache.stats()).toMatchObject({ storeUp: true, entries: 2 });
    expect(await cache.lookup(q('how do I rotate my api key for the billing service'))).toMatchObject({ hit: true, kind: 'exact' });
    expect(await cache.lookup(q('how do I reset my password for the billing portal'))).toMatchObject({ hit: true, kind: 'exact' });
    expect((await cache.lookup(q('how do I reset the password for the billing portal'))).hit).toBe(false);
    // Its own entries are searchable beside them.
    await cache.store(q('how can I export my invoices as pdf files'), reply);
    expect(await cache.lookup(q('how can I export the invoices as pdf files'))).toMatchObject({ hit: true, kind: 'semantic' });
  });
});
