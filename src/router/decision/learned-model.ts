import type { CandidateModel, Decision, DecisionRequest, RouterModel, SerializedRouterModel } from '../types.js';
import type { Features } from './features.js';
import { HashedTfidfFeaturizer, type SerializedTfidf } from './featurizer.js';
import { rankCandidates, type PolicyConfig, type Prediction } from './policy.js';
import { deserializeHead, predictOutputTokens, predictQuality, serializeHead, sigmoid, type ModelHead, type SerializedModelHead } from './predictor.js';

// The trained router: featurizer + one head per model + policy. Immutable after construction except for
// the scratch prediction array reused across decisions (decide is synchronous, so no interleaving).

export const LEARNED_MODEL_KIND = 'learned-linear-v1';

/** Where features come from: the embedded hashed TF-IDF, or an external dense embedding backend. */
export type FeatureSource = { kind: 'hashed-tfidf'; tfidf: SerializedTfidf } | { kind: 'dense'; backendId: string; dim: number };

export interface LearnedModelPayload {
  features: FeatureSource;
  heads: SerializedModelHead[];
  candidates: CandidateModel[];
  policy: PolicyConfig;
  /** Expected quality / output tokens for a candidate that has no head (added to the pool after training). */
  fallback: { quality: number; outputTokens: number };
  /** Free-form training facts (dataset size, validation metrics) shown by /status. */
  meta: Record<string, unknown>;
}

export interface LearnedModelParts {
  version: string;
  createdAt: string;
  featurizer: HashedTfidfFeaturizer | null;
  featureSource: FeatureSource;
  heads: ModelHead[];
  candidates: CandidateModel[];
  policy: PolicyConfig;
  fallback: { quality: number; outputTokens: number };
  meta: Record<string, unknown>;
}

export class LearnedRouterModel implements RouterModel {
  readonly version: string;
  readonly createdAt: string;
  readonly candidates: readonly CandidateModel[];
  readonly policy: PolicyConfig;
  readonly meta: Readonly<Record<string, unknown>>;
  private readonly featurizer: HashedTfidfFeaturizer | null;
  private readonly featureSource: FeatureSource;
  private readonly heads: ModelHead[];
  /** headFor[i] = head of candidates[i], or null when the model was not seen in training. */
  private readonly headFor: (ModelHead | null)[];
  private readonly fallback: { quality: number; outputTokens: number };
  private readonly predictions: Prediction[];
  /**
   * All heads' weights interleaved per feature (feature-major): one sparse feature reads one contiguous run
   * of 2×heads floats instead of touching 2×heads separate megabyte-sized arrays. That is what keeps a
   * decision on a long prompt within the latency budget (cache misses, not arithmetic, dominate).
   */
  private readonly interleaved: { weights: Float32Array; stride: number };
  private readonly sums: Float64Array;

  constructor(parts: LearnedModelParts) {
    this.version = parts.version;
    this.createdAt = parts.createdAt;
    this.featurizer = parts.featurizer;
    this.featureSource = parts.featureSource;
    this.heads = parts.heads;
    this.candidates = parts.candidates;
    this.policy = parts.policy;
    this.fallback = parts.fallback;
    this.meta = parts.meta;
    this.headFor = parts.candidates.map((c) => parts.heads.find((h) => h.model === c.name) ?? null);
    this.predictions = parts.candidates.map((c) => ({ model: c.name, expectedQuality: 0, expectedOutputTokens: 0 }));
    this.interleaved = interleave(this.headFor);
    this.sums = new Float64Array(this.interleaved.stride);
  }

  /** True when decide() can featurize by itself (hashed TF-IDF); false for an external embedding backend. */
  get embedded(): boolean {
    return this.featurizer !== null;
  }

  get featureSpace(): string {
    return this.featureSource.kind === 'dense' ? this.featureSource.backendId : `hashed-tfidf-${this.featureSource.tfidf.config.dimBits}`;
  }

  decide(request: DecisionRequest): Decision {
    if (!this.featurizer) {
      throw new Error(`router model ${this.version} uses ${this.featureSpace}: call decideWithFeatures with its embedding`);
    }
    return this.decideWithFeatures(request, this.featurizer.featurize(request.prompt));
  }

  /** Decision on precomputed features (the dense embedding path, and the trainer's fast evaluation). */
  decideWithFeatures(request: DecisionRequest, features: Features, policy: PolicyConfig = this.policy): Decision {
    this.predictInto(features);
    const { ranked, constraintsMet } = rankCandidates(this.candidates, this.predictions, request, policy);
    return {
      model: ranked[0]?.model ?? '',
      ranked,
      routerVersion: this.version,
      reason: !constraintsMet ? 'NoEligibleModel' : ranked.length === 1 ? 'OnlyEligibleModel' : 'Learned',
    };
  }

  /** Per-candidate predictions for given features (a fresh copy). */
  predict(features: Features): Prediction[] {
    this.predictInto(features);
    return this.predictions.map((p) => ({ ...p }));
  }

  /** The same learned heads with another pool or policy (the serving config may change prices/knobs). */
  withOverrides(overrides: { candidates?: CandidateModel[]; policy?: PolicyConfig }): LearnedRouterModel {
    return new LearnedRouterModel({
      version: this.version,
      createdAt: this.createdAt,
      featurizer: this.featurizer,
      featureSource: this.featureSource,
      heads: this.heads,
      candidates: overrides.candidates ?? [...this.candidates],
      policy: overrides.policy ?? this.policy,
      fallback: this.fallback,
      meta: { ...this.meta },
    });
  }

  serialize(): SerializedRouterModel {
    const payload: LearnedModelPayload = {
      features: this.featureSource,
      heads: this.heads.map(serializeHead),
      candidates: [...this.candidates],
      policy: this.policy,
      fallback: this.fallback,
      meta: { ...this.meta },
    };
    return { kind: LEARNED_MODEL_KIND, version: this.version, createdAt: this.createdAt, payload };
  }

  static deserialize(s: SerializedRouterModel): LearnedRouterModel {
    const p = s.payload as LearnedModelPayload;
    const featurizer = p.features.kind === 'hashed-tfidf' ? HashedTfidfFeaturizer.deserialize(p.features.tfidf) : null;
    return new LearnedRouterModel({
      version: s.version,
      createdAt: s.createdAt,
      featurizer,
      featureSource: p.features,
      heads: p.heads.map(deserializeHead),
      candidates: p.candidates,
      policy: p.policy,
      fallback: p.fallback,
      meta: p.meta,
    });
  }

  private predictInto(features: Features): void {
    if (features.kind === 'sparse' && this.interleaved.stride > 0) {
      this.predictSparse(features.indices, features.values, features.nnz);
      return;
    }
    for (let i = 0; i < this.candidates.length; i++) {
      const head = this.headFor[i];
      const p = this.predictions[i]!;
      if (head) {
        p.expectedQuality = predictQuality(head, features);
        p.expectedOutputTokens = predictOutputTokens(head, features);
      } else {
        p.expectedQuality = this.fallback.quality;
        p.expectedOutputTokens = this.fallback.outputTokens;
      }
    }
  }

  private predictSparse(indices: Int32Array, values: Float32Array, nnz: number): void {
    const { weights, stride } = this.interleaved;
    const sums = this.sums;
    sums.fill(0);
    for (let k = 0; k < nnz; k++) {
      const base = indices[k]! * stride;
      const v = values[k]!;
      for (let h = 0; h < stride; h++) sums[h]! += weights[base + h]! * v;
    }
    for (let i = 0; i < this.candidates.length; i++) {
      const head = this.headFor[i];
      const p = this.predictions[i]!;
      if (head) {
        p.expectedQuality = sigmoid(sums[2 * i]! + head.quality.bias);
        p.expectedOutputTokens = Math.max(1, Math.expm1(sums[2 * i + 1]! + head.outputTokens.bias));
      } else {
        p.expectedQuality = this.fallback.quality;
        p.expectedOutputTokens = this.fallback.outputTokens;
      }
    }
  }
}

/** Feature-major copy of the heads' weights: [f][2i] = quality of candidate i, [f][2i+1] = output tokens. */
function interleave(heads: readonly (ModelHead | null)[]): { weights: Float32Array; stride: number } {
  const dim = heads.find((h) => h !== null)?.quality.weights.length ?? 0;
  if (dim === 0) return { weights: new Float32Array(0), stride: 0 };
  const stride = 2 * heads.length;
  const weights = new Float32Array(dim * stride);
  heads.forEach((head, i) => {
    if (!head) return;
    const q = head.quality.weights;
    const t = head.outputTokens.weights;
    for (let f = 0; f < dim; f++) {
      weights[f * stride + 2 * i] = q[f]!;
      weights[f * stride + 2 * i + 1] = t[f]!;
    }
  });
  return { weights, stride };
}
