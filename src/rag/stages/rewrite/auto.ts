import type { Stage } from '../types.js';
import { heuristicRewrite } from './heuristic.js';
import { llmRewrite } from './llm.js';

// Default: the LLM decomposer when a model is configured, else the heuristic one, with the reason
// recorded so a trace never hides which one ran.
export const autoRewrite: Stage = {
  kind: 'rewrite',
  variant: 'auto',
  async run(state, deps) {
    if (deps.llm) {
      const out = await llmRewrite.run(state, deps);
      return out.status === 'ran' ? { ...out, decision: { ...out.decision, method: 'llm' } } : out;
    }
    const out = await heuristicRewrite.run(state, deps);
    return out.status === 'ran' ? { ...out, decision: { ...out.decision, llmSkipped: 'no LLM configured (config.llm is absent)' } } : out;
  },
};
