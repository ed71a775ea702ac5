import type { StageSettings } from '../config.js';
import { sentenceCompress } from './compress/sentences.js';
import { cragStage } from './crag/stage.js';
import { featureRerank } from './rerank/features.js';
import { httpRerank } from './rerank/http.js';
import { denseRetrieve, hybridRetrieve, sparseRetrieve } from './retrieve/hybrid.js';
import { autoRewrite } from './rewrite/auto.js';
import { heuristicRewrite } from './rewrite/heuristic.js';
import { llmRewrite } from './rewrite/llm.js';
import type { Stage, StageKind } from './types.js';

// Every stage variant, by kind. Adding a variant = a new folder/file + one line here.
export const STAGE_REGISTRY: Record<StageKind, Record<string, Stage>> = {
  rewrite: { auto: autoRewrite, llm: llmRewrite, heuristic: heuristicRewrite },
  retrieve: { hybrid: hybridRetrieve, dense: denseRetrieve, sparse: sparseRetrieve },
  rerank: { features: featureRerank, http: httpRerank },
  crag: { 'lexical-evaluator': cragStage },
  compress: { sentences: sentenceCompress },
};

function pick(kind: StageKind, variant: string): Stage {
  const stage = STAGE_REGISTRY[kind][variant];
  if (!stage) throw new Error(`unknown ${kind} variant ${variant}`);
  return stage;
}

/** The ordered stages a config switches on. Retrieval is the one stage that cannot be switched off. */
export function stagesFor(s: StageSettings): Stage[] {
  const out: Stage[] = [];
  if (s.rewrite.enabled) out.push(pick('rewrite', s.rewrite.variant));
  out.push(pick('retrieve', s.retrieve.variant));
  if (s.rerank.enabled) out.push(pick('rerank', s.rerank.variant));
  if (s.crag.enabled) out.push(pick('crag', 'lexical-evaluator'));
  if (s.compress.enabled) out.push(pick('compress', 'sentences'));
  return out;
}
