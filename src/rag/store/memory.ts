import type { Chunk, StoredChunk } from '../types.js';
import type { ChunkStore, VectorHit } from './types.js';

// Exact brute-force store for tests and throw-away runs; nothing persists.
export class MemoryStore implements ChunkStore {
  readonly kind = 'memory';
  private readonly rows = new Map<string, StoredChunk>();

  replaceDocuments(docIds: string[], chunks: StoredChunk[]): Promise<void> {
    const drop = new Set(docIds);
    for (const [id, c] of this.rows) if (drop.has(c.docId)) this.rows.delete(id);
    for (const c of chunks) this.rows.set(c.id, c);
    return Promise.resolve();
  }

  vectorSearch(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const hits: VectorHit[] = [];
    for (const c of this.rows.values()) {
      let s = 0;
      for (let i = 0; i < vector.length; i++) s += (vector[i] ?? 0) * (c.vector[i] ?? 0);
      hits.push({ id: c.id, score: s });
    }
    hits.sort((a, b) => b.score - a.score);
    return Promise.resolve(hits.slice(0, k));
  }

  allChunks(): Promise<Chunk[]> {
    return Promise.resolve([...this.rows.values()].map(({ vector: _v, ...chunk }) => chunk));
  }

  count(): Promise<number> {
    return Promise.resolve(this.rows.size);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
