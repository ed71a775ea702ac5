import type { StageSettings } from '../config.js';
import type { Embedder } from '../embed/types.js';
import type { ChatClient } from '../llm.js';
import type { Idf } from '../lexical.js';
import type { SparseIndex } from '../sparse-index.js';
import type { ChunkStore } from '../store/types.js';
import type { ContextPassage, ScoredChunk } from '../types.js';
import type { WebSearchProvider } from '../web-search.js';

export type StageKind = 'rewrite' | 'retrieve' | 'rerank' | 'crag' | 'compress';
export const STAGE_ORDER: readonly StageKind[] = ['rewrite', 'retrieve', 'rerank', 'crag', 'compress'];

export type CragVerdict = 'correct' | 'incorrect' | 'ambiguous';

/** What flows from stage to stage. Stages return a new state; they never mutate the old one. */
export interface PipelineState {
  query: string;
  /** Sub-questions from the rewrite stage (the original query is not repeated here). */
  subQueries: string[];
  /** Ranked passages; retrieval fills it, re-ranking reorders it, CRAG may replace or extend it. */
  candidates: ScoredChunk[];
  /** Passages for the generator; compression fills it, otherwise the top-k candidates are used. */
  context?: ContextPassage[];
  /** `byMeaning`: the words said Incorrect, the sentence encoder's similarity kept the passages (stages/crag). */
  crag?: { verdict: CragVerdict; score: number; byMeaning?: boolean };
}

/** Everything a stage may use. Optional members are absent when not configured. */
export interface StageDeps {
  index: SparseIndex;
  store: ChunkStore;
  embedder: Embedder;
  idf: Idf;
  topK: number;
  settings: StageSettings;
  llm?: ChatClient | undefined;
  webSearch?: { provider: WebSearchProvider; topK: number } | undefined;
}

export type StageOutcome = { status: 'ran'; state: PipelineState; decision: Record<string, unknown> } | { status: 'skipped'; reason: string };

export interface Stage {
  readonly kind: StageKind;
  readonly variant: string;
  run(state: PipelineState, deps: StageDeps): Promise<StageOutcome>;
}

export interface TraceEntry {
  stage: StageKind;
  variant: string;
  status: 'ran' | 'skipped' | 'failed';
  ms: number;
  reason?: string;
  decision?: Record<string, unknown>;
}
