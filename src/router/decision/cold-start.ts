import type { CandidateModel } from '../types.js';
import type { PolicyConfig } from './policy.js';
import { PriorRouterModel, type CategoryPrior, type ModelPrior } from './prior-model.js';

// The model a router serves before its first training run. Without operator priors it trusts the
// baseline model a little more than the rest, so cold traffic goes to the baseline at λ = 0 and to cheaper
// models as λ grows; operators refine it with per-category priors (the SemanticRouter spec carries them).

export interface ColdStartOptions {
  candidates: CandidateModel[];
  policy: PolicyConfig;
  baselineModel?: string;
  categories?: CategoryPrior[];
  models?: Record<string, ModelPrior>;
}

/** Generic subject keywords; enough to tell maths/code from law/medicine in a prompt. */
export const DEFAULT_CATEGORIES: CategoryPrior[] = [
  { name: 'math', keywords: ['integral', 'derivative', 'equation', 'probability', 'matrix', 'polynomial', 'theorem', 'compute', 'solve'] },
  { name: 'code', keywords: ['function', 'python', 'javascript', 'algorithm', 'compile', 'bug', 'typescript', 'program'] },
  { name: 'law', keywords: ['court', 'plaintiff', 'defendant', 'statute', 'contract', 'constitutional', 'liable'] },
  { name: 'health', keywords: ['patient', 'diagnosis', 'symptoms', 'treatment', 'clinical', 'disease'] },
  { name: 'science', keywords: ['physics', 'chemistry', 'molecule', 'velocity', 'energy', 'reaction', 'cell'] },
];

export function coldStartModel(options: ColdStartOptions): PriorRouterModel {
  const models: Record<string, ModelPrior> = {};
  for (const c of options.candidates) {
    models[c.name] = options.models?.[c.name] ?? { quality: c.name === options.baselineModel ? 0.7 : 0.6 };
  }
  return new PriorRouterModel({
    version: 'cold-start',
    categories: options.categories ?? DEFAULT_CATEGORIES,
    models,
    candidates: options.candidates,
    policy: options.policy,
  });
}
