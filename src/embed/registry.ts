import { HashingEmbedder } from '../rag/embed/hashing.js';
import { defaultEmbeddingModelDir } from './model-dir.js';
import { EmbeddingModelError, OnnxEmbedder } from './onnx.js';
import { OpenAiEmbeddingsClient } from './openai.js';
import type { Embedder } from './types.js';

// One place that turns an embedding source into an Embedder: the ONNX model in process, an
// OpenAI-compatible endpoint, or the hashing embedder as the fallback when no model is available.
export type EmbedderSpec =
  | { kind: 'onnx'; modelDir?: string | undefined; maxTokens?: number | undefined; threads?: number | undefined }
  | { kind: 'openai'; baseUrl: string; model: string; apiKey?: string | undefined; dimensions?: number | undefined; timeoutMs?: number | undefined }
  | { kind: 'hashing'; dimensions?: number | undefined };

export async function openEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  switch (spec.kind) {
    case 'onnx': {
      const modelDir = spec.modelDir ?? defaultEmbeddingModelDir();
      if (!modelDir) {
        throw new EmbeddingModelError(
          'EmbeddingModelMissing',
          'no embedding model directory: set modelDir or EMBEDDING_MODEL_DIR (hack/ensure-embedding-model.sh fills one)',
        );
      }
      return OnnxEmbedder.open({ modelDir, maxTokens: spec.maxTokens, threads: spec.threads });
    }
    case 'openai':
      return new OpenAiEmbeddingsClient(spec);
    case 'hashing':
      return new HashingEmbedder(spec.dimensions ?? 256);
  }
}

/** The best offline embedder this machine has: the ONNX model when installed, else hashing. */
export async function bestOfflineEmbedder(): Promise<Embedder> {
  const modelDir = defaultEmbeddingModelDir();
  return modelDir ? OnnxEmbedder.open({ modelDir }) : new HashingEmbedder(256);
}
