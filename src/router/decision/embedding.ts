import { OpenAiEmbeddingsClient, type OpenAiEmbeddingsOptions } from '../../embed/openai.js';
import type { DenseFeatures, Features } from './features.js';
import type { HashedTfidfFeaturizer } from './featurizer.js';

export { EmbeddingError } from '../../embed/openai.js';

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

/**
 * Dense features from an OpenAI-compatible embeddings endpoint: the project's one embeddings client
 * (src/embed/openai.ts, L2-normalised vectors) seen as a feature backend.
 */
export class OpenAIEmbeddingsBackend implements EmbeddingBackend {
  readonly id: string;
  private readonly client: OpenAiEmbeddingsClient;
  constructor(options: OpenAiEmbeddingsOptions) {
    this.id = `openai-embeddings:${options.model}`;
    this.client = new OpenAiEmbeddingsClient(options);
  }

  async embed(texts: readonly string[]): Promise<Features[]> {
    const vectors = await this.client.embed([...texts]);
    return vectors.map((values): DenseFeatures => ({ kind: 'dense', values }));
  }
}
