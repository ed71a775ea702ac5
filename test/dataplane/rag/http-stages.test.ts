import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultRagConfig } from '../../../src/rag/config.js';
import { RagService } from '../../../src/rag/service.js';
import { HttpWebSearch } from '../../../src/rag/web-search.js';
import { startLoopback, type Loopback } from './loopback.js';

// The HTTP-backed stage variants against loopback servers: the cross-encoder re-ranker contract
// and the web-search contract, including a provider that breaks it.
describe('HTTP stage variants', () => {
  let reranker: Loopback;
  let rag: RagService;

  beforeAll(async () => {
    // Scores documents by length: the opposite of what lexical retrieval prefers, so a reorder is visible.
    reranker = await startLoopback((_path, body) => {
      const docs = (body as { documents: string[] }).documents;
      return { status: 200, body: { results: docs.map((d, index) => ({ index, relevance_score: d.length })) } };
    });
    rag = await RagService.open(defaultRagConfig({ stages: { rerank: { enabled: true, variant: 'http', url: `${reranker.url}/rerank`, window: 30 } } }));
    await rag.ingest([
      { id: 'short', title: 'River', text: 'The river Danube.' },
      { id: 'long', title: 'Vienna', text: 'Vienna is a city on the Danube river with a very long description that goes on and on.' },
    ]);
  });

  afterAll(async () => {
    await rag.close();
    await reranker.close();
  });

  it('re-ranks with the scores the HTTP re-ranker returns', async () => {
    const r = await rag.search('river Danube');
    expect(r.trace.find((t) => t.stage === 'rerank')).toMatchObject({ variant: 'http', status: 'ran' });
    expect(r.ranked.map((c) => c.chunk.docId)).toEqual(['long', 'short']);
    expect(reranker.requests[0]?.body).toMatchObject({ query: 'river Danube' });
  });

  it('a re-ranker that is down is recorded as failed and retrieval order is kept', async () => {
    const down = await RagService.open(
      defaultRagConfig({ stages: { rerank: { enabled: true, variant: 'http', url: 'http://127.0.0.1:9/rerank', window: 30 } } }),
    );
    await down.ingest([{ id: 'a', title: 'A', text: 'river Danube' }]);
    const r = await down.search('river Danube');
    expect(r.trace.find((t) => t.stage === 'rerank')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^RerankerUnavailable/) });
    expect(r.ranked[0]?.chunk.docId).toBe('a');
    await down.close();
  });

  it('web search rejects a provider response that breaks the contract', async () => {
    const bad = await startLoopback(() => ({ status: 200, body: { items: [] } }));
    await expect(new HttpWebSearch({ url: bad.url, timeoutMs: 2000 }).search('q', 3)).rejects.toMatchObject({ reason: 'WebSearchUnavailable' });
    await bad.close();
  });
});
