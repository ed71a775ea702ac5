import { EmbeddingError, OpenAiEmbeddingsClient } from '../../embed/openai.js';
import type { Embedder } from '../../embed/types.js';
import { RagError } from '../errors.js';
import { apiKeyFrom } from '../http-json.js';

// Production RAG embedder: the shared `/v1/embeddings` client, with its failures mapped onto the RAG
// server's reasons (EmbeddingUnavailable / EmbeddingDimensionMismatch) so the MCP error body and the
// RagPipeline condition keep their vocabulary.
export class OpenAiEmbedder implements Embedder {
  private readonly client: OpenAiEmbeddingsClient;
  constructor(opts: { baseUrl: string; model: string; dimensions: number; apiKeyEnv?: string | undefined; timeoutMs: number }) {
    this.client = new OpenAiEmbeddingsClient({ ...opts, apiKey: apiKeyFrom(opts.apiKeyEnv) });
  }

  get name(): string {
    return this.client.name;
  }

  get dimensions(): number {
    return this.client.dimensions;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    try {
      return await this.client.embed(texts);
    } catch (err) {
      if (err instanceof EmbeddingError) {
        throw new RagError(err.reason === 'EmbeddingDimensionMismatch' ? 'EmbeddingDimensionMismatch' : 'EmbeddingUnavailable', err.message);
      }
      throw err;
    }
  }
}
