import type { RagConfig } from '../config.js';
import { LanceDbStore } from './lancedb.js';
import { MemoryStore } from './memory.js';
import type { ChunkStore } from './types.js';

/** `embedder` (Embedder.name) lets a store tell that its vectors come from another embedder (ChunkStore.staleSpace). */
export async function openStore(cfg: RagConfig['store'], dimensions: number, embedder?: string): Promise<ChunkStore> {
  switch (cfg.kind) {
    case 'memory':
      return new MemoryStore();
    case 'lancedb':
      return LanceDbStore.open(cfg.path, cfg.table, dimensions, cfg.vectorIndexMinRows, embedder);
    case 'milvus': {
      const { MilvusStore } = await import('./milvus.js');
      return MilvusStore.open(cfg, dimensions);
    }
  }
}
