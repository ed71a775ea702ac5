import { coverage, mentions, type Idf } from '../../lexical.js';
import { terms, tokenCount } from '../../text.js';
import type { ContextPassage, ScoredChunk } from '../../types.js';
import { contextCandidates } from '../context.js';
import type { Stage } from '../types.js';

// Extractive compression in the spirit of RECOMP's extractive compressor (Xu et al. 2024) and
// LongLLMLingua's question-aware filtering (Jiang et al. 2024), without a model. Each sentence (a
// CRAG "knowledge strip") is scored by its best IDF-weighted coverage of the question or of any
// sub-question. A sentence is kept when
//   - its score ≥ minSentenceScore, or
//   - it is the passage's lead sentence (it names the entity later sentences refer to with
//     pronouns), or
//   - it mentions the title of another passage in the context (the bridge between hops).
// A passage is dropped when none of its sentences reaches the threshold or links to another
// passage, and neither the question nor another passage mentions it.

export interface CompressionResult {
  passages: ContextPassage[];
  tokensBefore: number;
  tokensAfter: number;
  droppedPassages: number;
}

export function compressPassages(query: string, subQueries: string[], candidates: ScoredChunk[], idf: Idf, minScore: number): CompressionResult {
  const queries = [query, ...subQueries].map((q) => terms(q));
  const titles = candidates.map((c) => c.chunk.title);
  let tokensBefore = 0;
  let tokensAfter = 0;
  let droppedPassages = 0;
  const passages: ContextPassage[] = [];
  for (const c of candidates) {
    const scored = c.chunk.sentences.map((text, i) => {
      const set = new Set(terms(text));
      const score = Math.max(...queries.map((q) => coverage(q, set, idf)));
      const bridge = titles.some((t) => t !== c.chunk.title && mentions(text, t));
      return { index: c.chunk.sentenceOffset + i, text, score, bridge, lead: i === 0 && c.chunk.sentenceOffset === 0 };
    });
    for (const s of scored) tokensBefore += tokenCount(s.text);
    const relevant = scored.some((s) => s.score >= minScore || s.bridge);
    const referenced = mentions(query, c.chunk.title) || candidates.some((o) => o !== c && mentions(o.chunk.sentences.join(' '), c.chunk.title));
    if (!relevant && !referenced) {
      droppedPassages++;
      continue;
    }
    const kept = scored.filter((s) => s.score >= minScore || s.lead || s.bridge);
    for (const s of kept) tokensAfter += tokenCount(s.text);
    passages.push({
      chunkId: c.chunk.id,
      docId: c.chunk.docId,
      title: c.chunk.title,
      source: c.chunk.source,
      score: c.score,
      origin: c.origin,
      sentences: kept.map((s) => ({ index: s.index, text: s.text })),
    });
  }
  return { passages, tokensBefore, tokensAfter, droppedPassages };
}

export const sentenceCompress: Stage = {
  kind: 'compress',
  variant: 'sentences',
  run(state, deps) {
    const input = contextCandidates(state.candidates, deps.topK);
    const r = compressPassages(state.query, state.subQueries, input, deps.idf, deps.settings.compress.minSentenceScore);
    return Promise.resolve({
      status: 'ran',
      state: { ...state, context: r.passages },
      decision: { tokensBefore: r.tokensBefore, tokensAfter: r.tokensAfter, ratio: r.tokensBefore ? r.tokensAfter / r.tokensBefore : 1, droppedPassages: r.droppedPassages },
    });
  },
};
