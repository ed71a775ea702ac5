import type { Chunk, StoredChunk } from '../types.js';

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

// What every storage backend must do. Text lives in the store so the in-memory sparse index can be
// rebuilt from it on restart; vectors are searched where they live.
export interface ChunkStore {
  readonly kind: string;
  /** Replaces all chunks of the given documents (idempotent re-ingest). */
  replaceDocuments(docIds: string[], chunks: StoredChunk[]): Promise<void>;
  vectorSearch(vector: Float32Array, k: number): Promise<VectorHit[]>;
  allChunks(): Promise<Chunk[]>;
  count(): Promise<number>;
  /**
   * Builds or refreshes an approximate-nearest-neighbour index once the store is large enough for
   * exact search to be slow. Idempotent; cheap when nothing changed.
   */
  maintain?(): Promise<{ action: 'none' | 'created' | 'refreshed'; ms: number }>;
  /** Set when the stored vectors come from another embedder than the one opening it (`old → new`). */
  readonly staleSpace?: string | undefined;
  /** Replaces every chunk by `chunks` (re-embedded); stores that can tell a stale space can rebuild. */
  rebuild?(chunks: StoredChunk[]): Promise<void>;
  close(): Promise<void>;
}
