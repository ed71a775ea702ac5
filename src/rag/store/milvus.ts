import type { RagConfig } from '../config.js';
import { RagError } from '../errors.js';
import type { ChunkStore } from './types.js';

type MilvusConfig = Extract<RagConfig['store'], { kind: 'milvus' }>;

export const MilvusStore = {
  open(cfg: MilvusConfig, _dimensions: number): Promise<ChunkStore> {
    return Promise.reject(new RagError('StoreUnavailable', `Milvus adapter for ${cfg.address} not implemented yet`));
  },
};
