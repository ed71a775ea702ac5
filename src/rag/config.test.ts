import { describe, expect, it } from '@jest/globals';
import { defaultRagConfig, parseRagConfig, RAG_CONFIG_VERSION } from './config.js';

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
});
