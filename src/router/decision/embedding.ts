import { l2Normalize, type DenseFeatures, type Features } from './features.js';
import type { HashedTfidfFeaturizer } from './featurizer.js';
import { ReasonError } from '../../util/errors.js';

// Where prompt features come from. The default is the in-process hashed TF-IDF (synchronous, no network).
// A user may instead point the router at an OpenAI-compatible `/v1/embeddings` model of the pool; that
// backend is asynchronous, so the serving shell awaits `embed` and hands the vector to
// `LearnedRouterModel.decideWithFeatures`.

export interface EmbeddingBackend {
  /** Identifies the feature space; a model trained on one backend refuses features of another. */
  readonly id: string;
  embed(texts: readonly string[]): Promise<Features[]>;
}

export class HashedTfidfBackend implements EmbeddingBackend {
  readonly id: string;
  constructor(private readonly featurizer: HashedTfidfFeaturizer) {
    this.id = `hashed-tfidf-${featurizer.config.dimBits}`;
  }
  featurizeSync(text: string): Features {
    return this.featurizer.featurize(text);
  }
  embed(texts: readonly string[]): Promise<Features[]> {
    return Promise.resolve(
      texts.map((t) => {
        const f = this.featurizer.featurize(t);
        return { ...f, indices: f.indices.slice(0, f.nnz), values: f.values.slice(0, f.nnz) };
      }),
    );
  }
}

export interface OpenAIEmbeddingsOptions {
  /** Base URL up to and including `/v1`, e.g. http://gateway/v1. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export class EmbeddingError extends ReasonError<'EmbeddingRequestFailed' | 'EmbeddingBadResponse' | 'EmbeddingTimeout'> {}

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

/** Dense features from an OpenAI-compatible embeddings endpoint, L2-normalised. */
export class OpenAIEmbeddingsBackend implements EmbeddingBackend {
  readonly id: string;
  constructor(private readonly options: OpenAIEmbeddingsOptions) {
    this.id = `openai-embeddings:${options.model}`;
  }

  async embed(texts: readonly string[]): Promise<Features[]> {
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
      throw new EmbeddingError(timeout ? 'EmbeddingTimeout' : 'EmbeddingRequestFailed', String(err));
    }
    if (!response.ok) throw new EmbeddingError('EmbeddingRequestFailed', `embeddings returned HTTP ${response.status}`);
    const body = (await response.json()) as EmbeddingsResponse;
    if (!Array.isArray(body.data) || body.data.length !== texts.length) {
      throw new EmbeddingError('EmbeddingBadResponse', 'embeddings response has no data for every input');
    }
    const out: DenseFeatures[] = new Array<DenseFeatures>(texts.length);
    body.data.forEach((item, position) => {
      const vector = item.embedding;
      if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) {
        throw new EmbeddingError('EmbeddingBadResponse', 'embedding is not a number array');
      }
      const values = Float32Array.from(vector);
      l2Normalize(values);
      out[item.index ?? position] = { kind: 'dense', values };
    });
    return out;
  }
}
