import { extractJsonObject } from '../../llm.js';
import type { Stage } from '../types.js';

const SYSTEM = [
  'You rewrite search questions for a retrieval system.',
  'Return only JSON: {"rewritten": string, "subQuestions": string[]}.',
  '"rewritten" is the question made self-contained and keyword-rich.',
  '"subQuestions" are the single-hop questions that must be answered to answer it (empty if it is single-hop).',
].join(' ');

// LLM query rewriting + decomposition (Least-to-Most / Self-Ask style) through the pool's chat model.
export const llmRewrite: Stage = {
  kind: 'rewrite',
  variant: 'llm',
  async run(state, deps) {
    if (!deps.llm) return { status: 'skipped', reason: 'no LLM configured (config.llm is absent)' };
    const reply = await deps.llm.complete(
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: state.query },
      ],
      { maxTokens: 300 },
    );
    const parsed = extractJsonObject(reply) as { rewritten?: unknown; subQuestions?: unknown } | undefined;
    const subs = Array.isArray(parsed?.subQuestions) ? parsed.subQuestions.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : [];
    const rewritten = typeof parsed?.rewritten === 'string' && parsed.rewritten.trim() !== '' ? parsed.rewritten.trim() : undefined;
    const subQueries = [...(rewritten && rewritten !== state.query ? [rewritten] : []), ...subs].slice(0, deps.settings.rewrite.maxSubQuestions);
    return { status: 'ran', state: { ...state, subQueries }, decision: { subQueries, model: deps.llm.model, parsed: parsed !== undefined } };
  },
};
