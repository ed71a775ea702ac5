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

// Chinese and Japanese are written without spaces: a whole clause would be one "word", and a question never
// shares it with the passage that answers it. Runs of Han and kana become overlapping character bigrams (what
// Lucene's CJKAnalyzer indexes), so 如何修改收货地址 and 收货地址怎么改 share 收货, 货地 and 地址; a lone character stays
// a term. Hangul is written with spaces between words and stays as it is.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+/gu;

function pushWord(word: string, out: string[]): void {
  if (!/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word)) {
    out.push(word);
    return;
  }
  let last = 0;
  for (const m of word.matchAll(CJK_RUN)) {
    if (m.index > last) out.push(word.slice(last, m.index));
    const chars = Array.from(m[0]);
    if (chars.length === 1) out.push(m[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
    last = m.index + m[0].length;
  }
  if (last < word.length) out.push(word.slice(last));
}

export function rawWords(text: string): string[] {
  const out: string[] = [];
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  for (const w of words) if (w.length > 0) pushWord(w, out);
  return out;
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

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;

/**
 * Whitespace tokens, each Han or kana character counted as one: the unit compression ratios are reported in (a
 * stand-in for LLM tokens; a Chinese character is about one).
 */
export function tokenCount(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  const t = cjk ? text.replace(CJK_CHAR, ' ').trim() : text.trim();
  return cjk + (t.length === 0 ? 0 : t.split(/\s+/).length);
}

// Splits after . ! ? followed by whitespace and an upper-case letter/digit/quote; abbreviations such
// as "U.S. Army" survive because the next token is checked, not just the period. Chinese and Japanese full stops
// (。！？) end a sentence where they stand, with a closing quote or bracket after them kept on that sentence.
export function splitSentences(text: string): string[] {
  const parts = text.split(/(?<=[.!?])(?<![\s.]\p{Lu}\.)(?<!\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|No|Inc|Co)\.)\s+(?=["'“(]?[\p{Lu}\p{N}])/u);
  return parts
    .flatMap((p) => p.split(/(?<=[。！？][”’」』）]?)(?![”’」』）])/u))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
