import { errorMessage } from '../../errors.js';
import type { ScoredChunk } from '../../types.js';
import { closeByMeaning } from '../context.js';
import type { Stage, StageDeps } from '../types.js';
import { evaluateRetrieval, verdictFor } from './evaluator.js';

async function webPassages(query: string, deps: StageDeps): Promise<ScoredChunk[]> {
  if (!deps.webSearch) return [];
  const results = await deps.webSearch.provider.search(query, deps.webSearch.topK);
  return results.map((r, i) => ({
    chunk: { id: `web:${r.url}`, docId: r.url, title: r.title, sentences: [r.content], sentenceOffset: 0, source: r.url },
    score: 1 / (1 + i),
    origin: 'web' as const,
  }));
}

// Corrective RAG: Correct → keep and refine (the refinement into knowledge strips is the
// compression stage, which filters sentence-level strips); Incorrect → discard and use web search;
// Ambiguous → internal top-k plus web results. Without a web-search provider an Incorrect verdict
// keeps the internal results (an empty context helps nobody) and the trace says so.
// The evaluator reads words. A passage the sentence encoder found by meaning alone (a paraphrase, Chinese that
// shares no character pair) would be judged Incorrect and discarded; when the best one is at least crag.denseFloor
// close to the question, the verdict is Ambiguous: its passages stay, beside the web results. Not with the
// hashing embedder, whose similarity is lexical too.
export const cragStage: Stage = {
  kind: 'crag',
  variant: 'lexical-evaluator',
  async run(state, deps) {
    const { upper, lower } = deps.settings.crag;
    const top = state.candidates.slice(0, deps.topK).map((c) => c.chunk);
    const score = evaluateRetrieval(state.query, state.subQueries, top, deps.idf);
    let verdict = verdictFor(score, upper, lower);
    let meaning: { dense: number; rule: string } | undefined;
    const close = closeByMeaning(deps);
    const kept = verdict === 'incorrect' && close ? state.candidates.slice(0, deps.topK).filter(close) : [];
    if (kept.length > 0) {
      const dense = Math.max(...kept.map((c) => c.dense ?? -1));
      verdict = 'ambiguous';
      meaning = { dense, rule: `lexically incorrect, kept: a passage is ${dense.toFixed(2)} similar by meaning (denseFloor ${deps.settings.crag.denseFloor})` };
    }
    const crag = { verdict, score, ...(meaning ? { byMeaning: true } : {}) };
    if (verdict === 'correct') return { status: 'ran', state: { ...state, crag }, decision: { verdict, score, action: 'refine' } };
    if (!deps.webSearch) {
      return { status: 'ran', state: { ...state, crag }, decision: { verdict, score, ...meaning, action: 'keep-internal', webSearch: 'not configured' } };
    }
    let web: ScoredChunk[];
    try {
      web = await webPassages(state.query, deps);
    } catch (err) {
      return { status: 'ran', state: { ...state, crag }, decision: { verdict, score, ...meaning, action: 'keep-internal', webSearchError: errorMessage(err) } };
    }
    if (verdict === 'incorrect') {
      return { status: 'ran', state: { ...state, crag, candidates: web }, decision: { verdict, score, action: 'discard-and-web-search', web: web.length } };
    }
    const internal = state.candidates.slice(0, deps.topK);
    return {
      status: 'ran',
      state: { ...state, crag, candidates: [...internal, ...web, ...state.candidates.slice(deps.topK)] },
      decision: { verdict, score, ...meaning, action: 'refine-and-web-search', web: web.length },
    };
  },
};
