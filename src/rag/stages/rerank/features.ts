import { coverage, mentions, questionTermsOf, type Idf } from '../../lexical.js';
import { terms } from '../../text.js';
import { type Chunk, type ScoredChunk, chunkText } from '../../types.js';
import type { Stage } from '../types.js';

// Offline cross-feature re-ranker. Each feature is in [0, 1] and they are summed with equal weight
// (no learned weights, so nothing is fitted to the evaluation questions):
//   query      IDF-weighted coverage of the question's terms by the passage
//   subquery   best coverage of any sub-question (a passage may answer one hop only)
//   title      the passage's title is named in the question (entity match)
//   proximity  matched question terms sit close together (shortest covering window)
//   prior      the retrieval rank, 1/(1 + log2(1 + rank)), so fusion evidence is not thrown away
// A second pass adds `bridge`: the passage's title is mentioned inside one of the top passages of
// the first pass — the hyperlink hop of multi-hop QA (as exploited by HotpotQA baselines and MDR).

export const BRIDGE_SOURCES = 2;

function proximity(queryTerms: Set<string>, chunkTerms: string[]): number {
  const need = new Set(chunkTerms.filter((t) => queryTerms.has(t)));
  if (need.size < 2) return need.size === 1 ? 0.5 : 0;
  const counts = new Map<string, number>();
  let have = 0;
  let best = Infinity;
  let left = 0;
  for (let right = 0; right < chunkTerms.length; right++) {
    const t = chunkTerms[right] ?? '';
    if (need.has(t)) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      if (counts.get(t) === 1) have++;
    }
    while (have === need.size) {
      best = Math.min(best, right - left + 1);
      const l = chunkTerms[left] ?? '';
      if (need.has(l)) {
        counts.set(l, (counts.get(l) ?? 0) - 1);
        if (counts.get(l) === 0) have--;
      }
      left++;
    }
  }
  return need.size / best;
}

export interface FeatureVector {
  query: number;
  subquery: number;
  title: number;
  proximity: number;
  prior: number;
  bridge: number;
}

export function featureVectors(query: string, subQueries: string[], chunks: Chunk[], idf: Idf): FeatureVector[] {
  const qTerms = questionTermsOf(query, idf);
  const qSet = new Set(qTerms);
  const subTerms = subQueries.map((s) => questionTermsOf(s, idf));
  const first = chunks.map((c, rank) => {
    const textTerms = terms(`${c.title} ${chunkText(c)}`);
    const set = new Set(textTerms);
    return {
      query: coverage(qTerms, set, idf),
      subquery: subTerms.length > 0 ? Math.max(...subTerms.map((s) => coverage(s, set, idf))) : 0,
      title: mentions(query, c.title) ? 1 : coverage(terms(c.title), qSet, idf) >= 0.999 ? 0.5 : 0,
      proximity: proximity(qSet, textTerms),
      prior: 1 / (1 + Math.log2(1 + rank)),
      bridge: 0,
    };
  });
  const leaders = first
    .map((f, i) => ({ i, s: featureScore(f) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, BRIDGE_SOURCES)
    .map((x) => chunks[x.i])
    .filter((c): c is Chunk => c !== undefined);
  return first.map((f, i) => {
    const c = chunks[i];
    const bridged = c !== undefined && leaders.some((l) => l.id !== c.id && l.docId !== c.docId && mentions(chunkText(l), c.title));
    return { ...f, bridge: bridged ? 1 : 0 };
  });
}

export function featureScore(f: FeatureVector): number {
  return f.query + f.subquery + f.title + f.proximity + f.prior + f.bridge;
}

export const featureRerank: Stage = {
  kind: 'rerank',
  variant: 'features',
  run(state, deps) {
    const window = deps.settings.rerank.window;
    const head = state.candidates.slice(0, window);
    const feats = featureVectors(
      state.query,
      state.subQueries,
      head.map((c) => c.chunk),
      deps.idf,
    );
    const rescored: ScoredChunk[] = head.map((c, i) => ({ ...c, score: featureScore(feats[i] as FeatureVector) })).sort((a, b) => b.score - a.score);
    const moved = rescored.filter((c, i) => head[i]?.chunk.id !== c.chunk.id).length;
    return Promise.resolve({
      status: 'ran',
      state: { ...state, candidates: [...rescored, ...state.candidates.slice(window)] },
      decision: { window: head.length, moved, bridged: feats.filter((f) => f.bridge > 0).length },
    });
  },
};
