import { describe, expect, it } from '@jest/globals';
import type { CandidateModel } from '../types.js';
import { coldStartModel } from './cold-start.js';
import { dot } from './features.js';
import { HashedTfidfFeaturizer } from './featurizer.js';
import { LearnedRouterModel } from './learned-model.js';
import { loadRouterModel } from './load.js';
import { rankCandidates } from './policy.js';
import { predictQuality, type ModelHead } from './predictor.js';

const small = { dimBits: 12, wordNgrams: [1, 2] as [number, number], charNgrams: [3, 4] as [number, number], maxChars: 4000 };

describe('HashedTfidfFeaturizer', () => {
  it('is L2-normalised, deterministic and sparse', () => {
    const f = new HashedTfidfFeaturizer(small);
    const a = f.featurize('What is the derivative of x squared?');
    const idx = a.indices.slice(0, a.nnz);
    const val = a.values.slice(0, a.nnz);
    let norm = 0;
    for (const v of val) norm += v * v;
    expect(norm).toBeCloseTo(1, 5);
    expect(a.nnz).toBeGreaterThan(10);
    expect(a.nnz).toBeLessThan(4096);
    const b = f.featurize('What is the derivative of x squared?');
    expect([...b.indices.slice(0, b.nnz)]).toEqual([...idx]);
  });

  it('reads Chinese as overlapping character pairs, so prompts sharing a phrase share features (words only)', () => {
    const f = new HashedTfidfFeaturizer({ ...small, charNgrams: [0, 0] });
    const vec = (t: string) => {
      const v = f.featurize(t);
      const w = new Float32Array(f.dim);
      for (let k = 0; k < v.nnz; k++) w[v.indices[k]!] = v.values[k]!;
      return w;
    };
    const q = vec('求函数 f(x)=x² 的导数');
    // featurize reuses its buffers: each result is read before the next call.
    const similar = dot(q, f.featurize('这个函数的导数是多少？'));
    const unrelated = dot(q, f.featurize('法院应该如何判决这个案件？'));
    // Without pairs each clause was one word: the two derivative questions shared none.
    expect(similar).toBeGreaterThan(0.2);
    expect(similar).toBeGreaterThan(unrelated + 0.2);
    // A lone character is a word of its own; Latin words around Chinese stay words.
    expect(f.featurize('猫').nnz).toBeGreaterThan(1);
    expect(dot(vec('用 python 写排序'), f.featurize('python 排序'))).toBeGreaterThan(0.3);
  });

  it('down-weights words that occur in every document (IDF) and round-trips through serialize', () => {
    const docs = ['the court ruled', 'the integral diverges', 'the cell divides', 'the court appealed'];
    const f = HashedTfidfFeaturizer.fit(docs, small);
    const g = HashedTfidfFeaturizer.deserialize(JSON.parse(JSON.stringify(f.serialize())));
    const x = f.featurize('the court');
    const y = g.featurize('the court');
    expect([...y.values.slice(0, y.nnz)]).toEqual([...x.values.slice(0, x.nnz)]);
    // Similar texts are closer than unrelated ones.
    const w = new Float32Array(f.dim);
    const q = f.featurize('the court ruled today');
    for (let k = 0; k < q.nnz; k++) w[q.indices[k]!] = q.values[k]!;
    expect(dot(w, f.featurize('the court ruled'))).toBeGreaterThan(dot(w, f.featurize('the integral diverges')));
  });
});

const cheap: CandidateModel = { name: 'cheap', pricePer1MInput: 0.1, pricePer1MOutput: 0.1 };
const pricey: CandidateModel = { name: 'pricey', pricePer1MInput: 10, pricePer1MOutput: 30, capabilities: ['vision'], contextWindow: 1000 };

describe('policy', () => {
  const preds = [
    { model: 'cheap', expectedQuality: 0.6, expectedOutputTokens: 100 },
    { model: 'pricey', expectedQuality: 0.8, expectedOutputTokens: 100 },
  ];
  it('trades quality against cost with λ', () => {
    const req = { prompt: 'x', promptTokens: 100 };
    expect(rankCandidates([cheap, pricey], preds, req, { mode: 'utility', lambda: 0 }).ranked[0]!.model).toBe('pricey');
    // pricey costs 0.004 USD; at λ = 100 its 0.2 quality edge is worth less than 0.4 quality units of cost.
    expect(rankCandidates([cheap, pricey], preds, req, { mode: 'utility', lambda: 100 }).ranked[0]!.model).toBe('cheap');
    expect(rankCandidates([cheap, pricey], preds, { ...req, lambda: 0 }, { mode: 'utility', lambda: 100 }).ranked[0]!.model).toBe('pricey');
  });
  it('threshold mode picks the cheapest model within tau of the best', () => {
    const req = { prompt: 'x', promptTokens: 100 };
    expect(rankCandidates([cheap, pricey], preds, req, { mode: 'threshold', tau: 0.25 }).ranked[0]!.model).toBe('cheap');
    expect(rankCandidates([cheap, pricey], preds, req, { mode: 'threshold', tau: 0.1 }).ranked[0]!.model).toBe('pricey');
    expect(rankCandidates([cheap, pricey], preds, req, { mode: 'threshold', tau: 1, minQuality: 0.7 }).ranked[0]!.model).toBe('pricey');
  });
  it('enforces capabilities and context windows', () => {
    const r1 = rankCandidates([cheap, pricey], preds, { prompt: 'x', promptTokens: 10, requiredCapabilities: ['vision'] }, { mode: 'utility', lambda: 1e6 });
    expect(r1.ranked.map((r) => r.model)).toEqual(['pricey']);
    const r2 = rankCandidates([cheap, pricey], preds, { prompt: 'x', promptTokens: 950 }, { mode: 'utility', lambda: 0 });
    expect(r2.ranked.map((r) => r.model)).toEqual(['cheap']);
  });
});

describe('router models', () => {
  it('cold start works before training and round-trips through loadRouterModel', () => {
    const model = coldStartModel({
      candidates: [cheap, pricey],
      policy: { mode: 'utility', lambda: 0 },
      models: { cheap: { quality: 0.5, perCategory: { law: 0.9 } }, pricey: { quality: 0.8 } },
    });
    expect(model.categorize('The plaintiff sued the defendant in court')).toBe('law');
    expect(model.decide({ prompt: 'The plaintiff sued the defendant', promptTokens: 10 }).model).toBe('cheap');
    const d = model.decide({ prompt: 'Tell me a story', promptTokens: 10 });
    expect(d).toMatchObject({ model: 'pricey', reason: 'ColdStartPrior' });
    const again = loadRouterModel(JSON.parse(JSON.stringify(model.serialize())));
    expect(again.decide({ prompt: 'The plaintiff sued the defendant', promptTokens: 10 }).model).toBe('cheap');
  });

  it('learned model predicts with its heads and survives serialize/load', () => {
    const featurizer = HashedTfidfFeaturizer.fit(['math integral', 'law court'], small);
    const w = new Float32Array(featurizer.dim);
    const x = featurizer.featurize('math integral');
    for (let k = 0; k < x.nnz; k++) w[x.indices[k]!] = 5 * x.values[k]!;
    const head = (model: string, sign: number): ModelHead => ({
      model,
      quality: { weights: w.map((v) => v * sign), bias: 0 },
      outputTokens: { weights: new Float32Array(featurizer.dim), bias: Math.log1p(100) },
    });
    const model = new LearnedRouterModel({
      version: 'v1',
      createdAt: new Date(0).toISOString(),
      featurizer,
      featureSource: { kind: 'hashed-tfidf', tfidf: featurizer.serialize() },
      heads: [head('cheap', -1), head('pricey', 1)],
      candidates: [cheap, pricey],
      policy: { mode: 'utility', lambda: 0 },
      fallback: { quality: 0.5, outputTokens: 100 },
      meta: {},
    });
    expect(predictQuality(head('pricey', 1), featurizer.featurize('math integral'))).toBeGreaterThan(0.9);
    // The interleaved fast path agrees with the per-head predictor.
    const viaModel = model.predict(featurizer.featurize('math integral law'));
    expect(viaModel[1]!.expectedQuality).toBeCloseTo(predictQuality(head('pricey', 1), featurizer.featurize('math integral law')), 12);
    expect(viaModel[0]!.expectedOutputTokens).toBeCloseTo(100, 6);
    expect(model.decide({ prompt: 'math integral', promptTokens: 5 })).toMatchObject({ model: 'pricey', reason: 'Learned', routerVersion: 'v1' });
    const q = (prompt: string): number => model.decide({ prompt, promptTokens: 5 }).ranked.find((r) => r.model === 'pricey')!.expectedQuality;
    expect(q('law court')).toBeLessThan(q('math integral') - 0.3);
    const loaded = loadRouterModel(JSON.parse(JSON.stringify(model.serialize())));
    expect(loaded.decide({ prompt: 'math integral', promptTokens: 5 }).ranked).toEqual(model.decide({ prompt: 'math integral', promptTokens: 5 }).ranked);
  });
});
