// Retrieval metrics over ranked paragraph titles against the gold (supporting) titles.

export function recallAt(ranked: string[], gold: string[], k: number): number {
  if (gold.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return gold.filter((g) => top.has(g)).length / gold.length;
}

export function precisionAt(ranked: string[], gold: string[], k: number): number {
  const g = new Set(gold);
  return ranked.slice(0, k).filter((t) => g.has(t)).length / k;
}

export function reciprocalRank(ranked: string[], gold: string[]): number {
  const g = new Set(gold);
  const i = ranked.findIndex((t) => g.has(t));
  return i < 0 ? 0 : 1 / (i + 1);
}

export { mean, percentile } from '../../util/stats.js';

/** Area under the ROC curve (probability a positive outranks a negative; ties count half). */
export function rocAuc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
