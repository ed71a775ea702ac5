import { coverage, questionTermsOf, type Idf } from '../../lexical.js';
import { terms } from '../../text.js';
import { type Chunk, chunkText } from '../../types.js';
import type { CragVerdict } from '../types.js';

// Lightweight retrieval evaluator in the role of CRAG's fine-tuned T5 scorer (Yan et al. 2024,
// arXiv:2401.15884), without a model: a retrieval is sufficient when, together, the passages cover
// the question's informative terms (union coverage) AND every hop has a passage that covers it on
// its own (mean over sub-questions of the best single-passage coverage). Both in [0, 1], averaged.
export function evaluateRetrieval(query: string, subQueries: string[], passages: Chunk[], idf: Idf): number {
  if (passages.length === 0) return 0;
  const sets = passages.map((p) => new Set(terms(`${p.title} ${chunkText(p)}`)));
  const union = new Set<string>();
  for (const s of sets) for (const t of s) union.add(t);
  const unionCov = coverage(questionTermsOf(query, idf), union, idf);
  const hops = subQueries.length > 0 ? subQueries : [query];
  const hopCov = hops.map((h) => Math.max(...sets.map((s) => coverage(questionTermsOf(h, idf), s, idf)))).reduce((a, b) => a + b, 0) / hops.length;
  return (unionCov + hopCov) / 2;
}

export function verdictFor(score: number, upper: number, lower: number): CragVerdict {
  if (score >= upper) return 'correct';
  if (score < lower) return 'incorrect';
  return 'ambiguous';
}
