// Reciprocal-rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = Σ_lists 1/(k + rank).
// Rank-based, so BM25 scores and cosine similarities never need to be put on one scale; k = 60 is
// the paper's constant.
export function reciprocalRankFusion(lists: string[][], k: number): Map<string, number> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return fused;
}
