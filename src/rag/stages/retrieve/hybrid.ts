import type { Chunk, ScoredChunk } from '../../types.js';
import type { PipelineState, Stage, StageDeps } from '../types.js';
import { reciprocalRankFusion } from './fusion.js';

type Mode = 'hybrid' | 'dense' | 'sparse';

async function rankedLists(
  queries: string[],
  mode: Mode,
  deps: StageDeps,
): Promise<{ lists: string[][]; dense: number; sparse: number; similarity: Map<string, number> }> {
  const n = deps.settings.retrieve.candidatesPerList;
  // Sub-questions are short and entity-centred, where BM25 is at home; embedding each one costs a
  // vector search apiece, which dominates latency at scale. So by default only the question
  // itself gets a dense list (denseSubQueries switches the rest on).
  const denseQueries = mode === 'sparse' ? [] : deps.settings.retrieve.denseSubQueries || mode === 'dense' ? queries : queries.slice(0, 1);
  // Vector searches are started before BM25 so they run in the store (native threads or a remote
  // server) while BM25 runs on this thread.
  const vectors = await deps.embedder.embed(denseQueries);
  const denseResults = Promise.all(vectors.map((v) => deps.store.vectorSearch(v, n)));
  const lists: string[][] = [];
  let sparse = 0;
  if (mode !== 'dense') {
    for (const q of queries) {
      const hits = deps.index.search(q, n);
      sparse += hits.length;
      lists.push(hits.map((h) => h.chunk.id));
    }
  }
  let dense = 0;
  const denseLists = await denseResults;
  for (const hits of denseLists) {
    dense += hits.length;
    lists.push(hits.map((h) => h.id));
  }
  // The question's own list (the first): how close each passage is to it by meaning, for CRAG.
  const similarity = new Map((denseLists[0] ?? []).map((h) => [h.id, h.score]));
  return { lists, dense, sparse, similarity };
}

// Each query (the original plus every sub-question) yields a BM25 list, the question a dense list;
// all lists are fused with RRF, so a passage that answers one hop well surfaces even if it misses the others.
function retrieveStage(mode: Mode): Stage {
  return {
    kind: 'retrieve',
    variant: mode,
    async run(state: PipelineState, deps: StageDeps) {
      const queries = [state.query, ...state.subQueries];
      const { lists, dense, sparse, similarity } = await rankedLists(queries, mode, deps);
      const fused = reciprocalRankFusion(lists, deps.settings.retrieve.rrfK);
      const candidates: ScoredChunk[] = [];
      let missing = 0;
      for (const [id, score] of [...fused].sort((a, b) => b[1] - a[1])) {
        // A vector hit whose text the sparse index has not seen yet is mid-ingest: skip it.
        const chunk: Chunk | undefined = deps.index.get(id);
        const cosine = similarity.get(id);
        if (chunk) candidates.push({ chunk, score, origin: 'index', ...(cosine !== undefined ? { dense: cosine } : {}) });
        else missing++;
      }
      return {
        status: 'ran',
        state: { ...state, candidates },
        decision: {
          queries: queries.length,
          lists: lists.length,
          sparseHits: sparse,
          denseHits: dense,
          fused: candidates.length,
          ...(missing ? { skippedUnknownIds: missing } : {}),
        },
      };
    },
  };
}

export const hybridRetrieve = retrieveStage('hybrid');
export const denseRetrieve = retrieveStage('dense');
export const sparseRetrieve = retrieveStage('sparse');
