import { describe, expect, it } from '@jest/globals';
import { defaultRagConfig } from './config.js';
import { RagError } from './errors.js';
import type { ChatClient } from './llm.js';
import { runPipeline } from './pipeline.js';
import { RagService } from './service.js';
import { cragStage } from './stages/crag/stage.js';
import { stagesFor } from './stages/registry.js';
import { llmRewrite } from './stages/rewrite/llm.js';
import type { Stage } from './stages/types.js';
import type { WebSearchProvider } from './web-search.js';

const DOCS = [
  { id: 'vienna', title: 'Vienna', text: 'Vienna is the capital of Austria. The Danube river flows through Vienna.' },
  { id: 'banana', title: 'Banana', text: 'A banana is an edible fruit. Bananas grow in the tropics.' },
];

async function service(): Promise<RagService> {
  const rag = await RagService.open(defaultRagConfig({ topK: 2 }));
  await rag.ingest(DOCS);
  return rag;
}

const chat = (reply: string): ChatClient => ({ model: 'stub', complete: () => Promise.resolve(reply) });
const web: WebSearchProvider = { search: (q) => Promise.resolve([{ title: 'Web', url: 'https://example.org/1', content: `About ${q}` }]) };

describe('a RAG server whose sentence encoder is missing', () => {
  it('serves on the hashing embedder and says why, instead of failing to start', async () => {
    const rag = await RagService.open(defaultRagConfig({ topK: 2, embedding: { kind: 'onnx', modelDir: '/nonexistent/encoder' } }));
    expect(rag.degraded).toMatchObject({ reason: 'EmbeddingModelMissing', message: expect.stringContaining('/nonexistent/encoder') });
    expect(rag.embedder.name).toMatch(/^hashing/);
    await rag.ingest(DOCS);
    expect((await rag.search('Which river flows through Vienna?')).context[0]?.docId).toBe('vienna');
  });
});

describe('a RAG server over Chinese documents', () => {
  // Written without spaces: before terms were character bigrams each clause was one term, and no question shared
  // one with the passage that answers it.
  const ZH = [
    { id: 'refund', title: '退货政策', text: '收到商品后七天内可以申请退货。退款会在三个工作日内原路返回。' },
    { id: 'address', title: '收货地址', text: '下单后仍可修改收货地址。发货以后地址就不能再改了。' },
    { id: 'invoice', title: '发票', text: '电子发票会在订单完成后发送到你的邮箱。如需纸质发票请联系客服。' },
  ];

  it('retrieves the passage that answers a question worded differently, and keeps its sentences apart', async () => {
    const rag = await RagService.open(defaultRagConfig({ topK: 3 }));
    await rag.ingest(ZH);
    expect((await rag.search('订单发货后还能改收货地址吗？')).context[0]?.docId).toBe('address');
    expect((await rag.search('退款多久能到账？')).context[0]?.docId).toBe('refund');
    // Compression keeps the sentences that share the question's words (and the lead sentence).
    const refund = await rag.search('退款需要几个工作日？');
    expect(refund.context[0]?.sentences.map((x) => x.text)).toEqual(['收到商品后七天内可以申请退货。', '退款会在三个工作日内原路返回。']);
    expect((await rag.search('纸质发票怎么开？')).context[0]?.docId).toBe('invoice');
  });

  it('does not judge an answered Chinese question incorrect for the character pairs that straddle its words', async () => {
    const rag = await RagService.open(defaultRagConfig({ topK: 3 }));
    await rag.ingest(ZH);
    const verdict = async (q: string) => (await rag.search(q)).trace.find((t) => t.stage === 'crag')?.decision?.verdict;
    // Before: 'incorrect' for all three (0.31–0.34), so a configured web search would have replaced the answer.
    for (const q of ['订单发货后还能改收货地址吗？', '退款需要几个工作日？', '纸质发票怎么开？']) expect(await verdict(q)).not.toBe('incorrect');
    expect(await verdict('量子计算机的原理是什么？')).toBe('incorrect');
  });
});

describe('pipeline', () => {
  it('records every stage in order, and why the LLM decomposer did not run', async () => {
    const rag = await service();
    const r = await rag.search('Which river flows through Vienna?');
    expect(r.trace.map((t) => `${t.stage}:${t.status}`)).toEqual(['rewrite:ran', 'retrieve:ran', 'rerank:ran', 'crag:ran', 'compress:ran']);
    expect(r.trace[0]?.decision).toMatchObject({ llmSkipped: expect.stringMatching(/no LLM configured/) });
    expect(r.context[0]?.docId).toBe('vienna');
  });

  it('skips the llm rewrite variant with a reason when no model is configured', async () => {
    const rag = await service();
    const settings = { ...rag.config.stages, rewrite: { ...rag.config.stages.rewrite, variant: 'llm' as const } };
    const r = await rag.search('Which river flows through Vienna?', { settings });
    expect(r.trace[0]).toMatchObject({ stage: 'rewrite', status: 'skipped', reason: expect.stringMatching(/no LLM/) });
  });

  it('uses the LLM decomposition when a model answers with JSON', async () => {
    const rag = await service();
    const deps = rag.deps({ llm: chat('Sure: {"rewritten": "river through Vienna", "subQuestions": ["What is Vienna?"]}') });
    const out = await llmRewrite.run({ query: 'q', subQueries: [], candidates: [] }, deps);
    expect(out).toMatchObject({ status: 'ran', state: { subQueries: ['river through Vienna', 'What is Vienna?'] } });
  });

  it('records a failing optional stage and carries on; a failing retrieval is fatal', async () => {
    const rag = await service();
    const boom = (kind: Stage['kind']): Stage => ({ kind, variant: 'boom', run: () => Promise.reject(new RagError('RerankerUnavailable', 'down')) });
    const stages = stagesFor(rag.config.stages).map((s) => (s.kind === 'rerank' ? boom('rerank') : s));
    const r = await runPipeline('Vienna river', stages, rag.deps());
    expect(r.trace.find((t) => t.stage === 'rerank')).toMatchObject({ status: 'failed', reason: 'RerankerUnavailable: down' });
    expect(r.ranked.length).toBeGreaterThan(0);
    await expect(runPipeline('x', [boom('retrieve')], rag.deps())).rejects.toMatchObject({ reason: 'RerankerUnavailable' });
  });
});

describe('CRAG stage actions', () => {
  const run = async (query: string, withWeb: boolean) => {
    const rag = await service();
    const deps = rag.deps({ webSearch: withWeb ? { provider: web, topK: 1 } : undefined });
    const retrieved = await runPipeline(
      query,
      stagesFor({ ...rag.config.stages, crag: { ...rag.config.stages.crag, enabled: false }, compress: { ...rag.config.stages.compress, enabled: false } }),
      deps,
    );
    return cragStage.run({ query, subQueries: [], candidates: retrieved.ranked }, deps);
  };

  it('Correct → keeps the internal passages for refinement', async () => {
    const out = await run('Which river flows through Vienna?', true);
    expect(out).toMatchObject({ status: 'ran', decision: { verdict: 'correct', action: 'refine' } });
  });
  it('Incorrect → discards them and uses web search', async () => {
    const out = await run('Who composed the Moonlight Sonata?', true);
    expect(out).toMatchObject({ status: 'ran', decision: { verdict: 'incorrect', action: 'discard-and-web-search' } });
    if (out.status === 'ran') expect(out.state.candidates.map((c) => c.origin)).toEqual(['web']);
  });
  it('Incorrect by words but close by meaning (a sentence encoder) → Ambiguous: the passages stay beside the web', async () => {
    const rag = await service();
    const deps = rag.deps({ webSearch: { provider: web, topK: 1 }, embedder: { ...rag.embedder, name: 'onnx:test' } });
    const query = 'Who composed the Moonlight Sonata?';
    const close = (dense: number) => [{ chunk: rag.index.get('vienna#0')!, score: 1, origin: 'index' as const, dense }];
    const kept = await cragStage.run({ query, subQueries: [], candidates: close(0.6) }, deps);
    expect(kept).toMatchObject({ decision: { verdict: 'ambiguous', action: 'refine-and-web-search', dense: 0.6 } });
    if (kept.status === 'ran') expect(kept.state.candidates.map((c) => c.origin)).toEqual(['index', 'web']);
    // Below crag.denseFloor, or with the hashing embedder (its similarity is lexical too), Incorrect stands.
    expect(await cragStage.run({ query, subQueries: [], candidates: close(0.5) }, deps)).toMatchObject({ decision: { verdict: 'incorrect' } });
    const hashing = rag.deps({ webSearch: { provider: web, topK: 1 } });
    expect(await cragStage.run({ query, subQueries: [], candidates: close(0.9) }, hashing)).toMatchObject({ decision: { verdict: 'incorrect' } });
  });
  it('Incorrect without a provider keeps the internal passages and says so', async () => {
    const out = await run('Who composed the Moonlight Sonata?', false);
    expect(out).toMatchObject({ status: 'ran', decision: { verdict: 'incorrect', action: 'keep-internal', webSearch: 'not configured' } });
  });
  it('Ambiguous → internal top-k plus web results', async () => {
    const rag = await service();
    const deps = rag.deps({
      webSearch: { provider: web, topK: 1 },
      settings: { ...rag.config.stages, crag: { ...rag.config.stages.crag, upper: 0.99, lower: 0.01 } },
    });
    const retrieved = await runPipeline(
      'Which river flows through Vienna in Europe?',
      stagesFor({ ...rag.config.stages, crag: { ...rag.config.stages.crag, enabled: false } }),
      deps,
    );
    const out = await cragStage.run({ query: 'Which river flows through Vienna in Europe?', subQueries: [], candidates: retrieved.ranked }, deps);
    expect(out).toMatchObject({ decision: { verdict: 'ambiguous', action: 'refine-and-web-search' } });
    if (out.status === 'ran') expect(out.state.candidates.slice(0, 3).map((c) => c.origin)).toEqual(['index', 'index', 'web']);
  });
});
