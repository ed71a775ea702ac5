import type { RagConfig } from '../config.js';
import { openEmbedder } from '../../embed/registry.js';
import { HashingEmbedder } from './hashing.js';
import { OpenAiEmbedder } from './openai.js';
import type { Embedder } from './types.js';

export async function createEmbedder(cfg: RagConfig['embedding']): Promise<Embedder> {
  switch (cfg.kind) {
    case 'hashing':
      return new HashingEmbedder(cfg.dimensions);
    case 'openai':
      return new OpenAiEmbedder(cfg);
    case 'onnx':
      return openEmbedder({ kind: 'onnx', modelDir: cfg.modelDir, maxTokens: cfg.maxTokens });
  }
}
