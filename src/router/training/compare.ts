import type { FlywheelRecord, RouterModel } from '../types.js';
import { answersOf } from './dataset.js';

// Holdout comparison of two routers on quality at cost.
//
// Criterion: each router routes every holdout prompt; a record counts when both chosen models have a
// scored answer in it (fan-out records have all of them). Per record, utility u = score − λ·costUsd of the
// chosen model's observed answer. The candidate WINS iff, over n ≥ minRecords paired records,
//   mean(u_cand − u_curr) ≥ minMargin   and   mean − z·stderr > 0   (one-sided paired test, z = 1.645).
// So a candidate must be better by a margin that is unlikely to be noise, at the operator's λ.

export interface CompareOptions {
  /** Quality units per USD, the operator's cost knob. */
  lambda: number;
  minMargin?: number;
  z?: number;
  minRecords?: number;
}

export interface RouterScore {
  accuracy: number;
  costPerQuestion: number;
  utility: number;
}

export interface Comparison {
  candidateWins: boolean;
  reason: 'CandidateBetter' | 'MarginTooSmall' | 'NotSignificant' | 'TooFewRecords';
  records: number;
  meanDelta: number;
  stderr: number;
  candidate: RouterScore;
  current: RouterScore;
}

export function scoreOnHoldout(router: RouterModel, holdout: readonly FlywheelRecord[], lambda: number): RouterScore & { records: number } {
  let score = 0;
  let cost = 0;
  let n = 0;
  for (const r of holdout) {
    const chosen = outcome(router, r);
    if (!chosen) continue;
    score += chosen.score;
    cost += chosen.cost;
    n++;
  }
  const d = Math.max(1, n);
  return { accuracy: score / d, costPerQuestion: cost / d, utility: (score - lambda * cost) / d, records: n };
}

function outcome(router: RouterModel, record: FlywheelRecord): { score: number; cost: number } | null {
  const promptTokens = record.primary.inputTokens > 0 ? record.primary.inputTokens : Math.ceil(record.prompt.length / 4);
  const model = router.decide({ prompt: record.prompt, promptTokens }).model;
  const answer = answersOf(record).find((a) => a.model === model && a.score !== null);
  return answer ? { score: answer.score!, cost: answer.costUsd } : null;
}

export function compare(candidate: RouterModel, current: RouterModel, holdout: readonly FlywheelRecord[], options: CompareOptions): Comparison {
  const { lambda, minMargin = 0.005, z = 1.645, minRecords = 30 } = options;
  const deltas: number[] = [];
  const sums = { cand: { s: 0, c: 0 }, curr: { s: 0, c: 0 } };
  for (const r of holdout) {
    const a = outcome(candidate, r);
    const b = outcome(current, r);
    if (!a || !b) continue;
    deltas.push(a.score - lambda * a.cost - (b.score - lambda * b.cost));
    sums.cand.s += a.score;
    sums.cand.c += a.cost;
    sums.curr.s += b.score;
    sums.curr.c += b.cost;
  }
  const n = deltas.length;
  const mean = n > 0 ? deltas.reduce((s, d) => s + d, 0) / n : 0;
  const variance = n > 1 ? deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1) : 0;
  const stderr = n > 0 ? Math.sqrt(variance / n) : 0;
  const d = Math.max(1, n);
  const candidateScore = { accuracy: sums.cand.s / d, costPerQuestion: sums.cand.c / d, utility: (sums.cand.s - lambda * sums.cand.c) / d };
  const currentScore = { accuracy: sums.curr.s / d, costPerQuestion: sums.curr.c / d, utility: (sums.curr.s - lambda * sums.curr.c) / d };
  const reason: Comparison['reason'] =
    n < minRecords ? 'TooFewRecords' : mean < minMargin ? 'MarginTooSmall' : mean - z * stderr <= 0 ? 'NotSignificant' : 'CandidateBetter';
  return { candidateWins: reason === 'CandidateBetter', reason, records: n, meanDelta: mean, stderr, candidate: candidateScore, current: currentScore };
}
