import { errorMessage, RagError } from './errors.js';
import { contextCandidates, uncompressed } from './stages/context.js';
import type { PipelineState, Stage, StageDeps, TraceEntry } from './stages/types.js';
import type { ContextPassage, ScoredChunk } from './types.js';

export interface PipelineResult {
  query: string;
  subQueries: string[];
  /** Final ranking (after re-ranking / CRAG). */
  ranked: ScoredChunk[];
  context: ContextPassage[];
  crag?: PipelineState['crag'];
  trace: TraceEntry[];
}

// Runs the stages in order and records a trace entry for each. Retrieval failing is fatal (no
// passages, nothing to answer from); an optional stage failing is recorded and skipped so a flaky
// re-ranker or LLM degrades the answer instead of failing the request.
export async function runPipeline(query: string, stages: Stage[], deps: StageDeps): Promise<PipelineResult> {
  let state: PipelineState = { query, subQueries: [], candidates: [] };
  const trace: TraceEntry[] = [];
  for (const stage of stages) {
    const started = performance.now();
    try {
      const out = await stage.run(state, deps);
      const ms = performance.now() - started;
      if (out.status === 'ran') {
        state = out.state;
        trace.push({ stage: stage.kind, variant: stage.variant, status: 'ran', ms, decision: out.decision });
      } else {
        trace.push({ stage: stage.kind, variant: stage.variant, status: 'skipped', ms, reason: out.reason });
      }
    } catch (err) {
      if (stage.kind === 'retrieve') throw err;
      const reason = err instanceof RagError ? `${err.reason}: ${err.message}` : errorMessage(err);
      trace.push({ stage: stage.kind, variant: stage.variant, status: 'failed', ms: performance.now() - started, reason });
    }
  }
  const context = state.context ?? contextCandidates(state.candidates, deps.topK).map(uncompressed);
  return { query, subQueries: state.subQueries, ranked: state.candidates, context, crag: state.crag, trace };
}
