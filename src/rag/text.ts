// Shared text handling for every lexical component (BM25, hashing embedder, re-ranker, compressor,
// CRAG evaluator), so they agree on what a "term" is.

const STOPWORDS = new Set(
  (
    'a an the and or but if of at by for with about against between into through during before after above below to from up down in out on off over under ' +
    'again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very ' +
    's t can will just don should now is are was were be been being have has had having do does did doing i me my we our you your he him his she her ' +
    'it its they them their what which who whom this that these those am would could also as until while whose yes'
  ).split(' '),
);

// Light suffix stripping (a subset of Porter's step 1): enough to merge plural/verb forms without a
// dictionary, and deterministic so index and query always agree.
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ing') && word.length > 5) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length > 4) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}

export function rawWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** Content terms: lower-cased, accent-folded, stopwords removed, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of rawWords(text)) if (!STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** Whitespace tokens: the unit compression ratios are reported in (a stand-in for LLM tokens). */
export function tokenCount(text: string): number {
  const t = text.trim();
  return t.length === 0 ? 0 : t.split(/\s+/).length;
}

// Splits after . ! ? followed by whitespace and an upper-case letter/digit/quote; abbreviations such
// as "U.S. Army" survive because the next token is checked, not just the period.
export function splitSentences(text: string): string[] {
  const parts = text.split(/(?<=[.!?])(?<![\s.]\p{Lu}\.)(?<!\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|No|Inc|Co)\.)\s+(?=["'“(]?[\p{Lu}\p{N}])/u);
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}
