import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRagConfig } from '../../../src/rag/config.js';
import { HashingEmbedder } from '../../../src/rag/embed/hashing.js';
import { RagService } from '../../../src/rag/service.js';
import { startLoopback } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'rag-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// An OpenAI-compatible embeddings server backed by the hashing embedder, so it can go down mid-test.
async function embeddingsServer(): Promise<Awaited<ReturnType<typeof startLoopback>>> {
  const h = new HashingEmbedder(32);
  return startLoopback((path, body) => {
    const input = (body as { input?: string[] } | undefined)?.input ?? [];
    return path.endsWith('/embeddings')
      ? { status: 200, body: { data: input.map((t, index) => ({ index, embedding: Array.from(h.embedOne(t)) })) } }
      : { status: 404, body: {} };
  });
}

describe('RAG fault handling', () => {
  it('embedding endpoint down → clear EmbeddingUnavailable error, index intact and searchable', async () => {
    const emb = await embeddingsServer();
    const config = defaultRagConfig({
      store: { kind: 'lancedb', path: join(dir, 'emb') },
      embedding: { kind: 'openai', baseUrl: `${emb.url}/v1`, model: 'fake-embed', dimensions: 32, timeoutMs: 2000 },
    });
    const rag = await RagService.open(config);
    try {
      await rag.ingest([{ id: 'vienna', title: 'Vienna', text: 'The Danube flows through Vienna.' }]);
      await emb.close();
      await expect(rag.ingest([{ id: 'graz', title: 'Graz', text: 'Graz is in Styria.' }])).rejects.toMatchObject({ reason: 'EmbeddingUnavailable' });
      expect(await rag.store.count()).toBe(1);
      expect(rag.index.size).toBe(1);
      // Dense retrieval needs the endpoint too: the search fails with the same reason, not silently.
      await expect(rag.search('Danube')).rejects.toMatchObject({ reason: 'EmbeddingUnavailable' });
      // The sparse path still serves the intact index.
      const sparse = await rag.search('Danube', { settings: { ...config.stages, retrieve: { ...config.stages.retrieve, variant: 'sparse' } } });
      expect(sparse.ranked[0]?.chunk.docId).toBe('vienna');
    } finally {
      await rag.close();
    }
  });

  it('corrupt documents are skipped with a reason while the rest are indexed', async () => {
    const rag = await RagService.open(defaultRagConfig());
    const report = await rag.ingest([
      { id: 'ok', title: 'Ok', text: 'A fine document.' },
      'not an object',
      { id: 'empty', text: '   ' },
      { id: 'bad-sentences', sentences: [1, 2] },
      { id: 'nul', text: 'a\u0000b' },
    ]);
    expect(report.indexedDocuments).toBe(1);
    expect(report.skipped.map((s) => [s.position, s.reason])).toEqual([
      [1, 'InvalidDocument'],
      [2, 'InvalidDocument'],
      [3, 'InvalidDocument'],
      [4, 'InvalidDocument'],
    ]);
    expect(report.skipped[1]?.message).toMatch(/empty/);
    await rag.close();
  });

  it('concurrent ingest and search: every search succeeds and the final index holds every document', async () => {
    const rag = await RagService.open(defaultRagConfig({ store: { kind: 'lancedb', path: join(dir, 'concurrent') } }));
    try {
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 25 }, (_, i) => ({
          id: `d${b}-${i}`,
          title: `Topic ${b} ${i}`,
          text: `Document ${i} of batch ${b} talks about river number ${b * 100 + i}.`,
        })),
      );
      const ingests = batches.map((docs) => rag.ingest(docs));
      const searches = Array.from({ length: 16 }, (_, i) => rag.search(`river number ${i * 7}`));
      const [ingested, searched] = await Promise.all([Promise.all(ingests), Promise.all(searches)]);
      expect(ingested.reduce((a, r) => a + r.indexedDocuments, 0)).toBe(200);
      expect(searched).toHaveLength(16);
      for (const r of searched) expect(r.trace.find((t) => t.stage === 'retrieve')?.status).toBe('ran');
      await rag.settle();
      expect(await rag.store.count()).toBe(200);
      expect(rag.index.size).toBe(200);
      const last = await rag.search('river number 705');
      expect(last.ranked[0]?.chunk.docId).toBe('d7-5');
    } finally {
      await rag.close();
    }
  });
});
