import { describe, expect, it } from '@jest/globals';
import { defaultRagConfig, parseRagConfig, RAG_CONFIG_VERSION, RAG_DEFAULTS, runtimeHealthSchema } from './config.js';

describe('RAG config document', () => {
  it('fills defaults for every stage from a minimal document', () => {
    const r = parseRagConfig({ version: RAG_CONFIG_VERSION });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.stages.retrieve).toEqual({ variant: 'hybrid', candidatesPerList: 50, rrfK: 60, denseSubQueries: false });
    expect(r.config.store).toEqual({ kind: 'memory' });
    expect(r.config.embedding).toEqual({ kind: 'hashing', dimensions: 256 });
    expect(r.config.llm).toBeUndefined();
  });
  it('rejects another version and unknown variants with a reason', () => {
    const r = parseRagConfig({ version: 'v0', stages: { retrieve: { variant: 'magic' } } });
    expect(r).toMatchObject({ ok: false, reason: 'InvalidRagConfig' });
    if (!r.ok) expect(r.message).toMatch(/version/);
  });
  it('needs a path for the LanceDB store and an address for Milvus', () => {
    expect(parseRagConfig({ version: RAG_CONFIG_VERSION, store: { kind: 'lancedb' } }).ok).toBe(false);
    expect(parseRagConfig({ version: RAG_CONFIG_VERSION, store: { kind: 'milvus', address: 'milvus:19530' } }).ok).toBe(true);
  });
  it('builds defaults with overrides', () => {
    expect(defaultRagConfig({ topK: 3 }).topK).toBe(3);
  });
  it('carries the sources and the eval set: no second file, no environment variables', () => {
    const r = parseRagConfig({
      version: RAG_CONFIG_VERSION,
      sources: {
        items: [
          { name: 'faq', type: 'inline', documents: [{ text: 'x' }] },
          { name: 'hb', type: 'configMap', configMap: { name: 'hb' } },
        ],
      },
      eval: { path: '/eval/eval.json' },
    });
    expect(r.ok && r.config.sources).toEqual({ mountRoot: RAG_DEFAULTS.sourcesMountRoot, items: expect.any(Array) });
    expect(r.ok && r.config.eval).toEqual({ path: '/eval/eval.json' });
    expect(defaultRagConfig().sources).toEqual({ mountRoot: '/sources', items: [] });
  });
  it('rejects a source without the field of its type and duplicate source names', () => {
    expect(parseRagConfig({ version: RAG_CONFIG_VERSION, sources: { items: [{ name: 'a', type: 'url' }] } }).ok).toBe(false);
    const twice = [
      { name: 'a', type: 'url', url: 'http://x/' },
      { name: 'a', type: 'url', url: 'http://y/' },
    ];
    expect(parseRagConfig({ version: RAG_CONFIG_VERSION, sources: { items: twice } })).toMatchObject({ ok: false, message: expect.stringContaining('unique') });
  });
  it("keeps compression's minimum passage score equal to CRAG's lower band unless set", () => {
    expect(defaultRagConfig().stages.compress.minPassageScore).toBe(RAG_DEFAULTS.cragLower);
    expect(defaultRagConfig({ stages: { crag: { lower: 0.3 } } }).stages.compress.minPassageScore).toBe(0.3);
    expect(defaultRagConfig({ stages: { compress: { minPassageScore: 0.6 } } }).stages.compress.minPassageScore).toBe(0.6);
  });
  it('refuses the previous version, whose sources travelled in a second file', () => {
    expect(parseRagConfig({ version: 'rag.higress-ai-operator.io/v1alpha1' })).toMatchObject({ ok: false, reason: 'InvalidRagConfig' });
  });
  it('versions the health document too', () => {
    expect(runtimeHealthSchema.safeParse({ version: RAG_CONFIG_VERSION, ok: true, chunks: 3 }).success).toBe(true);
    expect(runtimeHealthSchema.safeParse({ ok: true, chunks: 3 }).success).toBe(false);
  });
});
