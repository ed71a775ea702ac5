import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashingEmbedder } from '../embed/hashing.js';
import type { StoredChunk } from '../types.js';
import { defaultRagConfig } from '../config.js';
import { RagService } from '../service.js';
import { LanceDbStore } from './lancedb.js';

const dir = mkdtempSync(join(tmpdir(), 'rag-lance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const emb = new HashingEmbedder(64);
const chunk = (docId: string, text: string): StoredChunk => ({
  id: `${docId}#0`,
  docId,
  title: docId,
  sentences: [text],
  sentenceOffset: 0,
  source: `src:${docId}`,
  vector: emb.embedOne(text),
});

describe('LanceDbStore', () => {
  it('persists chunks across close and reopen, and searches them by vector', async () => {
    const path = join(dir, 'db');
    const a = await LanceDbStore.open(path, 'chunks', 64);
    await a.replaceDocuments(['river', "o'brien"], [chunk('river', 'The Danube river flows through Vienna'), chunk("o'brien", 'Bananas grow in the tropics')]);
    await a.close();

    const b = await LanceDbStore.open(path, 'chunks', 64);
    expect(await b.count()).toBe(2);
    const all = await b.allChunks();
    expect(all.find((c) => c.docId === "o'brien")).toMatchObject({ sentences: ['Bananas grow in the tropics'], source: "src:o'brien" });
    const hits = await b.vectorSearch(emb.embedOne('Danube river Vienna'), 1);
    expect(hits[0]?.id).toBe('river#0');
    expect(hits[0]?.score).toBeGreaterThan(0.5);

    // Re-ingesting a document replaces its chunks (quotes in ids are escaped).
    await b.replaceDocuments(["o'brien"], [chunk("o'brien", 'Apples grow in orchards')]);
    expect(await b.count()).toBe(2);
    expect((await b.allChunks()).find((c) => c.docId === "o'brien")?.sentences).toEqual(['Apples grow in orchards']);
    await b.close();
  });

  it('finds a table written by another embedder stale (another width, or another name) and re-embeds it through RagService', async () => {
    const path = join(dir, 'space');
    const a = await LanceDbStore.open(path, 'chunks', 64, 5000, 'hashing:64');
    await a.replaceDocuments(['river', 'fruit'], [chunk('river', 'The Danube river flows through Vienna'), chunk('fruit', 'Bananas grow in the tropics')]);
    await a.close();
    const same = await LanceDbStore.open(path, 'chunks', 64, 5000, 'hashing:64');
    expect(same.staleSpace).toBeUndefined();
    await same.close();
    const renamed = await LanceDbStore.open(path, 'chunks', 64, 5000, 'onnx:0123456789ab');
    expect(renamed.staleSpace).toBe('hashing:64 → onnx:0123456789ab');
    await renamed.close();

    // A pipeline whose embedding changed (here 64-d → 128-d) opens its old table: the text is re-embedded, the
    // table recreated at the new width, and vector search works on it; the next open finds nothing to do.
    const wider = new HashingEmbedder(128);
    const config = defaultRagConfig({ store: { kind: 'lancedb', path, table: 'chunks' }, embedding: { kind: 'hashing', dimensions: 128 } });
    const rag = await RagService.open(config, { embedder: wider });
    expect(rag.store.staleSpace).toBeUndefined();
    expect(await rag.store.count()).toBe(2);
    expect((await rag.store.vectorSearch(wider.embedOne('Danube river Vienna'), 1))[0]?.id).toBe('river#0');
    await rag.close();
    const again = await LanceDbStore.open(path, 'chunks', 128, 5000, wider.name);
    expect(again.staleSpace).toBeUndefined();
    await again.close();
  });

  it('does not build a vector index below the row threshold', async () => {
    const s = await LanceDbStore.open(join(dir, 'small'), 'chunks', 64, 1000);
    await s.replaceDocuments(['x'], [chunk('x', 'some text')]);
    expect((await s.maintain()).action).toBe('none');
    await s.close();
  });
});
