import { z } from 'zod';
import { FEATURE_NAMES, pairFeatures, type FeatureVector, type PairSide } from './pair-features.js';

// The verified decision. A logistic model turns the pair features into a score; a calibration table
// (scores of labelled lookups held out from fitting) turns the one knob δ into a score threshold: the
// lowest threshold whose wrong-hit share, at the upper end of a one-sided 95 % Wilson interval, is
// still ≤ δ. So δ bounds the share of served hits that are wrong with a margin for sampling error
// rather than hoping a raw similarity means the same thing for every question (the ai-cache plugin's
// one global threshold). Per-entry feedback then raises single entries' thresholds (vcache-like, see
// semantic-cache.ts).

export const VERIFIER_VERSION = 'cache-verifier/v1';

export const verifierModelSchema = z.object({
  version: z.literal(VERIFIER_VERSION),
  /** The embedder the features were computed with; another embedder's cosines mean something else. */
  embedder: z.string(),
  features: z.array(z.string()),
  mean: z.array(z.number()),
  scale: z.array(z.number()),
  weights: z.array(z.number()),
  bias: z.number(),
  /** Held-out lookups sorted by score, descending, cumulated: hits and wrong hits at or above `score`. */
  calibration: z.array(z.object({ score: z.number(), hits: z.number().int(), wrong: z.number().int() })),
});
export type VerifierModel = z.infer<typeof verifierModelSchema>;

export interface Labelled {
  features: FeatureVector;
  /** 1 when serving the candidate's answer is right. */
  label: 0 | 1;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Upper end of the Wilson score interval for a binomial proportion (z = 1.645: one-sided 95 %). */
export function wilsonUpper(failures: number, n: number, z = 1.645): number {
  if (n === 0) return 1;
  const p = failures / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + margin) / (1 + z2 / n));
}

/** Solves A x = b for a small dense symmetric positive definite A (Gaussian elimination with pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number)) p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = (m[c] as number[])[c] as number;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = ((m[r] as number[])[c] as number) / pivot;
      for (let k = c; k <= n; k++) (m[r] as number[])[k] = ((m[r] as number[])[k] as number) - f * ((m[c] as number[])[k] as number);
    }
  }
  return m.map((row, i) => (row[n] as number) / ((row[i] as number) || 1));
}

/**
 * Fits standardised L2-regularised logistic regression by Newton's method (IRLS): ten correlated
 * features (cosine, cosine², alignment) make gradient descent crawl; Newton converges in ~10 steps.
 */
export function fitVerifier(train: readonly Labelled[], opts: { embedder: string; iterations?: number; l2?: number }): Omit<VerifierModel, 'calibration'> {
  const dim = FEATURE_NAMES.length;
  const n = train.length;
  const mean = new Array<number>(dim).fill(0);
  const scale = new Array<number>(dim).fill(0);
  for (const t of train) for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (t.features[d] as number) / n;
  for (const t of train) for (let d = 0; d < dim; d++) scale[d] = (scale[d] as number) + ((t.features[d] as number) - (mean[d] as number)) ** 2 / n;
  for (let d = 0; d < dim; d++) scale[d] = Math.sqrt(scale[d] as number) || 1;
  // Column 0 is the intercept.
  const x = train.map((t) => [1, ...Array.from(t.features, (v, d) => (v - (mean[d] as number)) / (scale[d] as number))]);
  const p = dim + 1;
  let w = new Array<number>(p).fill(0);
  const { iterations = 25, l2 = 1e-2 } = opts;
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(p).fill(0);
    const hess = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number[];
      let z = 0;
      for (let d = 0; d < p; d++) z += (w[d] as number) * (xi[d] as number);
      const mu = sigmoid(z);
      const err = mu - (train[i] as Labelled).label;
      const s = Math.max(mu * (1 - mu), 1e-9);
      for (let a = 0; a < p; a++) {
        grad[a] = (grad[a] as number) + err * (xi[a] as number);
        const row = hess[a] as number[];
        for (let b = a; b < p; b++) row[b] = (row[b] as number) + s * (xi[a] as number) * (xi[b] as number);
      }
    }
    for (let a = 0; a < p; a++) {
      const row = hess[a] as number[];
      for (let b = 0; b < a; b++) row[b] = (hess[b] as number[])[a] as number;
      if (a > 0) {
        row[a] = (row[a] as number) + l2 * n;
        grad[a] = (grad[a] as number) + l2 * n * (w[a] as number);
      }
    }
    const step = solve(hess, grad);
    w = w.map((v, d) => v - (step[d] as number));
    if (Math.max(...step.map(Math.abs)) < 1e-6) break;
  }
  return { version: VERIFIER_VERSION, embedder: opts.embedder, features: [...FEATURE_NAMES], mean, scale, weights: w.slice(1), bias: w[0] as number };
}

/** Cumulative calibration table from held-out (score, label) lookups that would be served if accepted. */
export function calibrationTable(scored: readonly { score: number; label: 0 | 1 }[]): VerifierModel['calibration'] {
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const out: VerifierModel['calibration'] = [];
  let wrong = 0;
  sorted.forEach((s, i) => {
    if (s.label === 0) wrong++;
    const next = sorted[i + 1];
    // One row per distinct score, so a threshold never splits tied scores.
    if (!next || next.score !== s.score) out.push({ score: s.score, hits: i + 1, wrong });
  });
  return out;
}

export class Verifier {
  constructor(readonly model: VerifierModel) {}

  score(features: FeatureVector): number {
    const m = this.model;
    let z = m.bias;
    for (let d = 0; d < m.weights.length; d++) z += (m.weights[d] as number) * (((features[d] as number) - (m.mean[d] as number)) / (m.scale[d] as number));
    return sigmoid(z);
  }

  scorePair(q: PairSide, c: PairSide): number {
    return this.score(pairFeatures(q, c));
  }

  /**
   * The lowest score at which the calibrated wrong-hit share stays ≤ δ (upper confidence bound).
   * Infinity when no threshold qualifies: the cache then never serves a semantic hit.
   */
  thresholdFor(delta: number, z = 1.645): number {
    let best = Infinity;
    for (const row of this.model.calibration) if (wilsonUpper(row.wrong, row.hits, z) <= delta) best = row.score;
    return best;
  }

  /**
   * The smallest δ any threshold of this calibration can certify (the lowest Wilson upper bound over
   * all score cuts). A δ below it makes `thresholdFor` Infinity: the cache serves exact matches only.
   */
  minCertifiableDelta(z = 1.645): number {
    let best = 1;
    for (const row of this.model.calibration) best = Math.min(best, wilsonUpper(row.wrong, row.hits, z));
    return best;
  }

  /** Calibrated probability that a hit at `score` is wrong: the wrong share among held-out hits near it. */
  wrongProbability(score: number): number {
    const cal = this.model.calibration;
    let i = cal.findIndex((r) => r.score <= score);
    if (i < 0) i = cal.length - 1;
    const lo = Math.max(0, i - 25);
    const hi = Math.min(cal.length - 1, i + 25);
    const a = cal[lo - 1] ?? { hits: 0, wrong: 0 };
    const b = cal[hi] ?? { hits: 0, wrong: 0 };
    const hits = b.hits - a.hits;
    return hits > 0 ? (b.wrong - a.wrong) / hits : 1 - score;
  }
}

/**
 * The model used when no trained verifier file is given: cosine only, mapped so that 0.95 cosine
 * (GPTCache's strict setting) is the acceptance point for every δ. It bounds nothing — status says
 * `calibrated: false` — and exists so the cache works before a verifier is trained.
 */
export function uncalibratedVerifier(embedder: string, cosineThreshold = 0.95): Verifier {
  const dim = FEATURE_NAMES.length;
  const weights = new Array<number>(dim).fill(0);
  weights[0] = 50;
  return new Verifier({
    version: VERIFIER_VERSION,
    embedder,
    features: [...FEATURE_NAMES],
    mean: new Array<number>(dim).fill(0),
    scale: new Array<number>(dim).fill(1),
    weights,
    bias: -50 * cosineThreshold,
    calibration: [{ score: 0.5, hits: 1_000_000, wrong: 0 }],
  });
}
