import type { CandidateModel, Decision, DecisionRequest, RouterModel, SerializedRouterModel } from '../types.js';
import { dot, type SparseFeatures } from './features.js';
import { HashedTfidfFeaturizer } from './featurizer.js';
import { l2normalize } from '../../util/vector.js';
import { rankCandidates, type PolicyConfig, type Prediction } from './policy.js';

// The cold-start router: works before any flywheel data exists. The operator describes categories with
// keywords and/or exemplar prompts, and gives per-model quality priors (overall and per category). A
// prompt is assigned to the category whose keywords it hits most / whose exemplar centroid it is closest
// to; each model's expected quality is its prior for that category.

export const PRIOR_MODEL_KIND = 'prior-v1';

export interface CategoryPrior {
  name: string;
  keywords?: string[];
  exemplars?: string[];
}

export interface ModelPrior {
  /** Expected quality when no category matches (or the category has no entry). */
  quality: number;
  perCategory?: Record<string, number>;
  /** Expected output tokens (cost estimate); default 256. */
  outputTokens?: number;
}

export interface PriorConfig {
  version?: string;
  categories: CategoryPrior[];
  models: Record<string, ModelPrior>;
  candidates: CandidateModel[];
  policy: PolicyConfig;
  /** Quality assumed for a candidate without a prior. */
  unknownModelQuality?: number;
}

const DEFAULT_OUTPUT_TOKENS = 256;
const EXEMPLAR_FEATURIZER = { dimBits: 16, wordNgrams: [1, 2] as [number, number], charNgrams: [3, 4] as [number, number], maxChars: 2000 };
/** Cosine similarity an exemplar centroid needs before it counts as a match. */
const MIN_EXEMPLAR_SIMILARITY = 0.12;

interface CompiledCategory {
  name: string;
  keywords: RegExp[];
  centroid: Float32Array | null;
}

export class PriorRouterModel implements RouterModel {
  readonly version: string;
  private readonly categories: CompiledCategory[];
  private readonly featurizer = new HashedTfidfFeaturizer(EXEMPLAR_FEATURIZER);
  private readonly predictions: Prediction[];

  constructor(private readonly config: PriorConfig) {
    this.version = config.version ?? 'prior-0';
    this.categories = config.categories.map((c) => ({
      name: c.name,
      keywords: (c.keywords ?? []).map((k) => new RegExp(`\\b${escapeRegExp(k.toLowerCase())}\\b`)),
      centroid: this.centroid(c.exemplars ?? []),
    }));
    this.predictions = config.candidates.map((c) => ({ model: c.name, expectedQuality: 0, expectedOutputTokens: 0 }));
  }

  /** The category a prompt falls in, or null. Exposed for tests and for /status explanations. */
  categorize(prompt: string): string | null {
    const lower = prompt.slice(0, 4000).toLowerCase();
    let features: SparseFeatures | null = null;
    let best: string | null = null;
    let bestScore = 0;
    for (const c of this.categories) {
      let score = 0;
      for (const k of c.keywords) if (k.test(lower)) score += 1;
      if (c.centroid) {
        features ??= this.featurizer.featurize(lower);
        const sim = dot(c.centroid, features);
        if (sim >= MIN_EXEMPLAR_SIMILARITY) score += sim * 4;
      }
      if (score > bestScore) {
        bestScore = score;
        best = c.name;
      }
    }
    return best;
  }

  decide(request: DecisionRequest): Decision {
    const category = this.categorize(request.prompt);
    const candidates = this.config.candidates;
    for (let i = 0; i < candidates.length; i++) {
      const prior = this.config.models[candidates[i]!.name];
      const p = this.predictions[i]!;
      p.expectedQuality = (category !== null ? prior?.perCategory?.[category] : undefined) ?? prior?.quality ?? this.config.unknownModelQuality ?? 0.5;
      p.expectedOutputTokens = prior?.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
    }
    const { ranked, constraintsMet } = rankCandidates(candidates, this.predictions, request, this.config.policy);
    return {
      model: ranked[0]?.model ?? '',
      ranked,
      routerVersion: this.version,
      reason: !constraintsMet ? 'NoEligibleModel' : ranked.length === 1 ? 'OnlyEligibleModel' : 'ColdStartPrior',
    };
  }

  serialize(): SerializedRouterModel {
    return { kind: PRIOR_MODEL_KIND, version: this.version, createdAt: new Date(0).toISOString(), payload: this.config };
  }

  private centroid(exemplars: string[]): Float32Array | null {
    if (exemplars.length === 0) return null;
    const sum = new Float32Array(this.featurizer.dim);
    for (const e of exemplars) {
      const f = this.featurizer.featurize(e.toLowerCase());
      for (let k = 0; k < f.nnz; k++) sum[f.indices[k]!]! += f.values[k]!;
    }
    return l2normalize(sum);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
