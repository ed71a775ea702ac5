import { RagError } from '../errors.js';
import { postJson, apiKeyFrom } from '../http-json.js';
import { type Embedder, l2normalise } from './types.js';

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: number[] }[];
}

// Production embedder: any OpenAI-compatible /v1/embeddings endpoint (a ModelPool model behind Higress).
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  constructor(
    private readonly opts: { baseUrl: string; model: string; dimensions: number; apiKeyEnv?: string | undefined; timeoutMs: number },
  ) {
    this.name = `openai:${opts.model}`;
  }

  get dimensions(): number {
    return this.opts.dimensions;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const url = `${this.opts.baseUrl.replace(/\/$/, '')}/embeddings`;
    const body = (await postJson(url, { model: this.opts.model, input: texts }, {
      timeoutMs: this.opts.timeoutMs,
      reason: 'EmbeddingUnavailable',
      apiKey: apiKeyFrom(this.opts.apiKeyEnv),
    })) as EmbeddingsResponse;
    const data = body.data ?? [];
    if (data.length !== texts.length) {
      throw new RagError('EmbeddingUnavailable', `embeddings endpoint returned ${data.length} vectors for ${texts.length} inputs`);
    }
    const sorted = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return sorted.map((d) => {
      const e = d.embedding ?? [];
      if (e.length !== this.dimensions) {
        throw new RagError('EmbeddingDimensionMismatch', `expected ${this.dimensions} dimensions, got ${e.length}`);
      }
      return l2normalise(Float32Array.from(e));
    });
  }
}
