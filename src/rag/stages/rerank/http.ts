import { z } from 'zod';
import { postJson } from '../../http-json.js';
import { RagError } from '../../errors.js';
import { chunkText, type ScoredChunk } from '../../types.js';
import type { Stage } from '../types.js';

// Optional cross-encoder / LLM re-ranker behind HTTP, speaking the Cohere/Jina/TEI-style contract:
//   POST <url> {"query": string, "documents": string[]}  →  {"results": [{"index": number, "relevance_score": number}]}
const responseSchema = z.object({ results: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })) });

export const httpRerank: Stage = {
  kind: 'rerank',
  variant: 'http',
  async run(state, deps) {
    const url = deps.settings.rerank.url;
    if (!url) return { status: 'skipped', reason: 'rerank.variant is http but rerank.url is not set' };
    const head = state.candidates.slice(0, deps.settings.rerank.window);
    const body = await postJson(
      url,
      { query: state.query, documents: head.map((c) => `${c.chunk.title}\n${chunkText(c.chunk)}`) },
      { timeoutMs: 10000, reason: 'RerankerUnavailable' },
    );
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) throw new RagError('RerankerUnavailable', `re-ranker response does not match the contract: ${parsed.error.message}`);
    const scores = new Map(parsed.data.results.map((r) => [r.index, r.relevance_score]));
    const rescored: ScoredChunk[] = head.map((c, i) => ({ ...c, score: scores.get(i) ?? Number.NEGATIVE_INFINITY })).sort((a, b) => b.score - a.score);
    return {
      status: 'ran',
      state: { ...state, candidates: [...rescored, ...state.candidates.slice(head.length)] },
      decision: { window: head.length, scored: scores.size },
    };
  },
};
