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

type CjkRun = (chars: string[], out: string[]) => void;

const bigrams: CjkRun = (chars, out) => {
  if (chars.length === 1) out.push(chars[0] as string);
  for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
};

function pushWord(word: string, out: string[], run: CjkRun): void {
  if (!/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word)) {
    out.push(word);
    return;
  }
  let last = 0;
  for (const m of word.matchAll(CJK_RUN)) {
    if (m.index > last) out.push(word.slice(last, m.index));
    run(Array.from(m[0]), out);
    last = m.index + m[0].length;
  }
  if (last < word.length) out.push(word.slice(last));
}

function words(text: string, run: CjkRun): string[] {
  const out: string[] = [];
  // NFKD splits accents and kana voicing marks (が → か + ゙) off their letters; both are folded away, as accents
  // always were (a left-over voicing mark would split a Japanese word in two).
  const parts = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u3099\u309a]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  for (const w of parts) if (w.length > 0) pushWord(w, out, run);
  return out;
}

export function rawWords(text: string): string[] {
  return words(text, bigrams);
}

/** Content terms: lower-cased, accent-folded, stopwords removed, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of rawWords(text)) if (!STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

// Chinese function words: what English stopwords are to an English question (a question's 什么 or 吗 is no more a
// topic than its "what").
const CJK_FUNCTION_CHARS = new Set(
  Array.from('的了吗呢吧啊呀么怎啥是在和与及或也都就又很我你他她它们这那哪谁几个能会要还把被给对从向让请着过地得之其而且但如若则该'),
);
const CJK_FUNCTION_WORDS = new Set(
  '什么 怎么 怎样 如何 为何 为什 多少 哪些 哪个 这个 那个 这些 那些 我们 你们 他们 她们 它们 可以 能否 是否 还能 能不 是不 有没 没有 一下'.split(' '),
);

/**
 * A question's content terms for coverage (CRAG, re-ranking, compression): as {@link terms}, except that a Chinese
 * or Japanese run keeps the character pairs the index knows — the words of the question — and the pairs inside
 * stretches no known pair covers, not the pairs that straddle two words (收货地址怎么改 yields 收货 货地 地址 and 改,
 * not 址怎 or 么改, which no passage can contain and which would count as uncovered question terms). Function words go,
 * as English stopwords do. Text without such runs gives exactly {@link terms}.
 */
export function questionTerms(text: string, known: (term: string) => boolean): string[] {
  const segment: CjkRun = (chars, out) => {
    const covered = new Array<boolean>(chars.length).fill(false);
    for (let i = 0; i + 1 < chars.length; i++) {
      const pair = `${chars[i]}${chars[i + 1]}`;
      if (!CJK_FUNCTION_WORDS.has(pair) && known(pair)) {
        out.push(pair);
        covered[i] = covered[i + 1] = true;
      }
    }
    for (let i = 0; i < chars.length;) {
      if (covered[i] || CJK_FUNCTION_CHARS.has(chars[i] as string)) {
        i++;
        continue;
      }
      let end = i;
      while (end + 1 < chars.length && !covered[end + 1] && !CJK_FUNCTION_CHARS.has(chars[end + 1] as string)) end++;
      const span = chars.slice(i, end + 1);
      for (const t of span.length === 1 ? span : span.slice(1).map((c, k) => `${span[k]}${c}`)) if (!CJK_FUNCTION_WORDS.has(t)) out.push(t);
      i = end + 1;
    }
  };
  const out: string[] = [];
  for (const w of words(text, segment)) if (!STOPWORDS.has(w)) out.push(stem(w));
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
