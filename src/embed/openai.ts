import { ReasonError } from '../util/errors.js';
import { l2normalize } from '../util/vector.js';
import type { Embedder } from './types.js';

// The project's one client of an OpenAI-compatible `/v1/embeddings` endpoint (a ModelPool model
// behind Higress, TEI, Ollama, vLLM). The RAG embedder and the router's embedding features wrap it.

export type EmbeddingErrorReason = 'EmbeddingRequestFailed' | 'EmbeddingBadResponse' | 'EmbeddingTimeout' | 'EmbeddingDimensionMismatch';
export class EmbeddingError extends ReasonError<EmbeddingErrorReason> {}

export interface OpenAiEmbeddingsOptions {
  /** Base URL up to and including `/v1`, e.g. http://gateway/v1. */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs?: number | undefined;
  /** When set, every vector must have this width (a misconfigured model fails loudly, not silently). */
  dimensions?: number | undefined;
  fetchImpl?: typeof fetch;
}

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

export class OpenAiEmbeddingsClient implements Embedder {
  readonly name: string;
  constructor(private readonly options: OpenAiEmbeddingsOptions) {
    this.name = `openai:${options.model}`;
  }

  get dimensions(): number {
    return this.options.dimensions ?? 0;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { baseUrl, model, apiKey, timeoutMs = 10_000 } = this.options;
    const fetchImpl = this.options.fetchImpl ?? fetch;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/embeddings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model, input: texts }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && err.name === 'TimeoutError';
      throw new EmbeddingError(timeout ? 'EmbeddingTimeout' : 'EmbeddingRequestFailed', `embeddings request failed: ${String(err)}`);
    }
    if (!response.ok) throw new EmbeddingError('EmbeddingRequestFailed', `embeddings returned HTTP ${response.status}`);
    let body: EmbeddingsResponse;
    try {
      body = (await response.json()) as EmbeddingsResponse;
    } catch {
      throw new EmbeddingError('EmbeddingBadResponse', 'embeddings response is not JSON');
    }
    if (!Array.isArray(body.data) || body.data.length !== texts.length) {
      throw new EmbeddingError('EmbeddingBadResponse', `embeddings endpoint returned ${body.data?.length ?? 0} vectors for ${texts.length} inputs`);
    }
    const out = new Array<Float32Array>(texts.length);
    body.data.forEach((item, position) => {
      const vector = item.embedding;
      if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) {
        throw new EmbeddingError('EmbeddingBadResponse', 'embedding is not a number array');
      }
      if (this.options.dimensions !== undefined && vector.length !== this.options.dimensions) {
        throw new EmbeddingError('EmbeddingDimensionMismatch', `expected ${this.options.dimensions} dimensions, got ${vector.length}`);
      }
      out[item.index ?? position] = l2normalize(Float32Array.from(vector));
    });
    return out;
  }
}
