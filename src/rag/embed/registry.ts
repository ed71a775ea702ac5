import type { RagConfig } from '../config.js';
import { HashingEmbedder } from './hashing.js';
import { OpenAiEmbedder } from './openai.js';
import type { Embedder } from './types.js';

export function createEmbedder(cfg: RagConfig['embedding']): Embedder {
  switch (cfg.kind) {
    case 'hashing':
      return new HashingEmbedder(cfg.dimensions);
    case 'openai':
      return new OpenAiEmbedder(cfg);
  }
}
