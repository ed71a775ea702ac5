import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { EmbeddingBackend } from '../../../src/router/decision/embedding.js';
import type { Features } from '../../../src/router/decision/features.js';
import { LearnedRouterModel } from '../../../src/router/decision/learned-model.js';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { routerConfig } from './helpers.js';

// A router model trained on an external embedding: the serving shell embeds the prompt (async) and
// decides on those features; when the embedding backend fails it serves the baseline.

const mathModel = 'gemini-1.5-flash-002';
const otherModel = 'phi-3-mini-4k-instruct';

class KeywordEmbedding implements EmbeddingBackend {
  readonly id = 'fake-embeddings';
  calls = 0;
  fail = false;
  embed(texts: readonly string[]): Promise<Features[]> {
    this.calls++;
    if (this.fail) return Promise.reject(new Error('embeddings down'));
    return Promise.resolve(texts.map((t) => ({ kind: 'dense' as const, values: Float32Array.from(t.includes('math') ? [1, 0] : [0, 1]) })));
  }
}

let sim: SimulatorHandle;
let router: RouterHandle;
let client: OpenAI;
const embedding = new KeywordEmbedding();

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
  const config = routerConfig(sim.url, sim.models);
  const candidates = config.models.filter((m) => m.name === mathModel || m.name === otherModel);
  const head = (model: string, w: [number, number]) => ({
    model,
    quality: { weights: Float32Array.from(w), bias: 0 },
    outputTokens: { weights: new Float32Array(2), bias: Math.log1p(50) },
  });
  const model = new LearnedRouterModel({
    version: 'dense-1',
    createdAt: new Date(0).toISOString(),
    featurizer: null,
    featureSource: { kind: 'dense', backendId: embedding.id, dim: 2 },
    heads: [head(mathModel, [5, -5]), head(otherModel, [-5, 5])],
    candidates,
    policy: { mode: 'utility', lambda: 0 },
    fallback: { quality: 0.5, outputTokens: 50 },
    meta: {},
  });
  router = await startRouter(config, { model, embedding });
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => {
  await router?.close();
  await sim?.close();
});

const modelFor = async (content: string): Promise<[string | null, string | null]> => {
  const r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();
  return [r.response.headers.get('x-router-model'), r.response.headers.get('x-router-reason')];
};

describe('external embedding backend', () => {
  it('decides on the embedding of the prompt', async () => {
    expect((await modelFor('a math question'))[0]).toBe(mathModel);
    expect((await modelFor('a history question'))[0]).toBe(otherModel);
    expect(embedding.calls).toBe(2);
  });

  it('serves the baseline when the embedding backend fails', async () => {
    embedding.fail = true;
    try {
      expect(await modelFor('a math question')).toEqual(['gpt-4o-2024-05-13', 'EmbeddingFailed']);
    } finally {
      embedding.fail = false;
    }
  });
});
