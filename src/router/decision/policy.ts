import type { CandidateModel, DecisionRequest, RankedModel } from '../types.js';

// The policy turns per-model predictions into a ranked list. Pure: no I/O, no clock, no randomness.

/**
 * `utility`: maximise expectedQuality − λ·expectedCost (λ in quality units per USD; λ = 0 ignores cost).
 * `threshold`: the cheapest model whose expected quality is ≥ (best − tau) and ≥ minQuality; when none
 * reaches minQuality, the best-quality model.
 */
export type PolicyConfig = { mode: 'utility'; lambda: number } | { mode: 'threshold'; tau: number; minQuality?: number };

export interface Prediction {
  model: string;
  expectedQuality: number;
  expectedOutputTokens: number;
}

export function expectedCostUsd(candidate: CandidateModel, promptTokens: number, outputTokens: number): number {
  return (promptTokens * candidate.pricePer1MInput + outputTokens * candidate.pricePer1MOutput) / 1e6;
}

export function isEligible(candidate: CandidateModel, request: DecisionRequest, expectedOutputTokens: number): boolean {
  const required = request.requiredCapabilities;
  if (required && required.length > 0) {
    const have = candidate.capabilities ?? [];
    for (const cap of required) if (!have.includes(cap)) return false;
  }
  if (candidate.contextWindow !== undefined && request.promptTokens + expectedOutputTokens > candidate.contextWindow) {
    return false;
  }
  return true;
}

export interface RankResult {
  ranked: RankedModel[];
  /** False when no candidate met the constraints and the ranking ignored them (the shell may reject). */
  constraintsMet: boolean;
}

/** Ranks candidates best first. `predictions[i]` belongs to `candidates[i]`. */
export function rankCandidates(
  candidates: readonly CandidateModel[],
  predictions: readonly Prediction[],
  request: DecisionRequest,
  policy: PolicyConfig,
): RankResult {
  const scored: RankedModel[] = [];
  const all: RankedModel[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const p = predictions[i]!;
    const entry: RankedModel = {
      model: c.name,
      expectedQuality: p.expectedQuality,
      expectedCost: expectedCostUsd(c, request.promptTokens, p.expectedOutputTokens),
      utility: 0,
    };
    all.push(entry);
    if (isEligible(c, request, p.expectedOutputTokens)) scored.push(entry);
  }
  const constraintsMet = scored.length > 0;
  const pool = constraintsMet ? scored : all;
  const effective: PolicyConfig = policy.mode === 'utility' && request.lambda !== undefined ? { mode: 'utility', lambda: request.lambda } : policy;
  return { ranked: effective.mode === 'utility' ? byUtility(pool, effective.lambda) : byThreshold(pool, effective), constraintsMet };
}

function byUtility(pool: RankedModel[], lambda: number): RankedModel[] {
  for (const r of pool) r.utility = r.expectedQuality - lambda * r.expectedCost;
  return pool.sort((a, b) => b.utility - a.utility || a.expectedCost - b.expectedCost);
}

function byThreshold(pool: RankedModel[], policy: { tau: number; minQuality?: number }): RankedModel[] {
  let best = -Infinity;
  for (const r of pool) best = Math.max(best, r.expectedQuality);
  const bar = Math.max(best - policy.tau, policy.minQuality ?? -Infinity);
  const passing = pool.filter((r) => r.expectedQuality >= bar).sort((a, b) => a.expectedCost - b.expectedCost);
  const rest = pool.filter((r) => r.expectedQuality < bar).sort((a, b) => b.expectedQuality - a.expectedQuality);
  // When nothing clears an absolute bar, `passing` is empty and the best-quality model leads `rest`.
  const ranked = passing.concat(rest);
  // Utility here is only the rank expressed as a score in (0, 1], so "higher is better" still holds.
  ranked.forEach((r, i) => (r.utility = (ranked.length - i) / ranked.length));
  return ranked;
}
