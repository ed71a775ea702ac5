import { questionTerms, terms } from './text.js';

/** Inverse document frequency of a term; `known` (when the index can say) is whether any passage holds it. */
export interface Idf {
  (term: string): number;
  known?: (term: string) => boolean;
}

/** A question's terms for {@link coverage}: {@link questionTerms} when the index's vocabulary is at hand. */
export function questionTermsOf(text: string, idf: Idf): string[] {
  return idf.known ? questionTerms(text, idf.known) : terms(text);
}

// IDF-weighted share of the query's content terms that a text contains: the common currency of the
// re-ranker, the compressor and the CRAG evaluator.
export function coverage(queryTerms: string[], textTerms: Set<string>, idf: Idf): number {
  const uniq = [...new Set(queryTerms)];
  let total = 0;
  let hit = 0;
  for (const t of uniq) {
    const w = idf(t);
    total += w;
    if (textTerms.has(t)) hit += w;
  }
  return total > 0 ? hit / total : 0;
}

/** Normalised form used to test whether a title is mentioned verbatim in a text. */
export function normaliseForMention(s: string): string {
  return ` ${s
    .toLowerCase()
    .replace(/\s*\([^)]*\)\s*/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
}

export function mentions(text: string, title: string): boolean {
  const t = normaliseForMention(title);
  return t.trim().length > 2 && normaliseForMention(text).includes(t);
}
