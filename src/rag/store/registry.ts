import type { RagConfig } from '../config.js';
import { LanceDbStore } from './lancedb.js';
import { MemoryStore } from './memory.js';
import type { ChunkStore } from './types.js';

export async function openStore(cfg: RagConfig['store'], dimensions: number): Promise<ChunkStore> {
  switch (cfg.kind) {
    case 'memory':
      return new MemoryStore();
    case 'lancedb':
      return LanceDbStore.open(cfg.path, cfg.table, dimensions, cfg.vectorIndexMinRows);
    case 'milvus': {
      const { MilvusStore } = await import('./milvus.js');
      return MilvusStore.open(cfg, dimensions);
    }
  }
}
