import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashingEmbedder } from '../embed/hashing.js';
import type { StoredChunk } from '../types.js';
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

  it('refuses to open a table written with another vector dimension', async () => {
    const path = join(dir, 'dims');
    const a = await LanceDbStore.open(path, 'chunks', 64);
    await a.replaceDocuments(['x'], [chunk('x', 'some text')]);
    await a.close();
    await expect(LanceDbStore.open(path, 'chunks', 128)).rejects.toMatchObject({ reason: 'EmbeddingDimensionMismatch' });
  });

  it('does not build a vector index below the row threshold', async () => {
    const s = await LanceDbStore.open(join(dir, 'small'), 'chunks', 64, 1000);
    await s.replaceDocuments(['x'], [chunk('x', 'some text')]);
    expect((await s.maintain()).action).toBe('none');
    await s.close();
  });
});
