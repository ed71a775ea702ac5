import { HashingEmbedder } from '../rag/embed/hashing.js';
import { ReasonError } from '../util/errors.js';
import { defaultEmbeddingModelDir } from './model-dir.js';
import { OpenAiEmbeddingsClient } from './openai.js';
import type { Embedder } from './types.js';

// One place that turns an embedding source into an Embedder: the ONNX model in process, an
// OpenAI-compatible endpoint, or the hashing embedder as the fallback when no model is available.
export type EmbedderSpec =
  | { kind: 'onnx'; modelDir?: string | undefined; maxTokens?: number | undefined; threads?: number | undefined }
  | { kind: 'openai'; baseUrl: string; model: string; apiKey?: string | undefined; dimensions?: number | undefined; timeoutMs?: number | undefined }
  | { kind: 'hashing'; dimensions?: number | undefined };

// onnx.js is imported when an ONNX embedder is opened, not with this module: importing it loads the native
// onnxruntime (~70 MB of RSS), and the operator reaches this file through the router config schema without
// ever embedding anything (bench:operator, issue 9's 200 MB RSS target).
export async function openEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  switch (spec.kind) {
    case 'onnx': {
      const { EmbeddingModelError, OnnxEmbedder } = await import('./onnx.js');
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
  if (!modelDir) return new HashingEmbedder(256);
  const { OnnxEmbedder } = await import('./onnx.js');
  return OnnxEmbedder.open({ modelDir });
}

/**
 * The reason and message when `err` says a sentence encoder's files are missing or unusable — what a runtime
 * survives (answering with less, and saying why) rather than crash-looping; undefined for anything else.
 */
export function encoderUnavailable(err: unknown): { reason: string; message: string } | undefined {
  if (!(err instanceof ReasonError)) return undefined;
  const { reason } = err as ReasonError<string>;
  return reason === 'EmbeddingModelMissing' || reason === 'EmbeddingModelInvalid' ? { reason, message: err.message } : undefined;
}
