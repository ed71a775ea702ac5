import { terms } from '../rag/text.js';
import { dot } from '../embed/types.js';

// What the verifier looks at when a cached question is a candidate answer for a new one. Cosine alone
// cannot tell "enable 2FA" from "disable 2FA" (vLLM semantic-router #2691); near-paraphrases differ in
// one content word, a number, a negation or the question word, so the features say exactly that.
// Token alignment (BERTScore, Zhang et al. 2020) finds the word the other side does not cover.

export interface PairSide {
  text: string;
  vector: Float32Array;
  /** Per-token unit vectors (rows × d) when the embedder gives them. */
  tokens?: Float32Array | undefined;
  rows?: number | undefined;
}

export const FEATURE_NAMES = [
  'cosine',
  'alignMean',
  'alignMin',
  'jaccard',
  'unmatched',
  'numberMismatch',
  'negationMismatch',
  'questionWordMismatch',
  'lengthRatio',
  'cosineSq',
] as const;

export type FeatureVector = Float64Array;

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'cannot', "can't", 'dont', "don't", 'isnt', "isn't", 'nt', '不', '没', '没有', '无', '别']);
const QUESTION_WORDS = ['what', 'why', 'how', 'when', 'where', 'who', 'which', 'whom', 'whose', 'can', 'should', 'is', 'are', 'do', 'does', 'will', 'would'];

/** Content words (a Chinese run becomes its character bigrams: src/rag/text.ts). */
export function contentWords(text: string): Set<string> {
  return new Set(terms(text));
}

function numbers(text: string): string {
  // NFKC: full-width digits (Chinese input methods) are the same numbers.
  return [...(text.normalize('NFKC').match(/\d+(?:[.,]\d+)?/g) ?? [])].sort().join(',');
}

// Chinese asks anywhere in the sentence and with several words for one question: each word maps to its kind, so
// 如何 and 怎么 (both "how") do not count as a mismatch while 怎么 and 为什么 ("how" / "why") do. Longest first.
const CHINESE_QUESTION_WORDS: [string, string][] = [
  ['什么时候', 'when'],
  ['为什么', 'why'],
  ['怎么样', 'how'],
  ['为何', 'why'],
  ['何时', 'when'],
  ['怎么', 'how'],
  ['怎样', 'how'],
  ['如何', 'how'],
  ['哪里', 'where'],
  ['哪儿', 'where'],
  ['哪个', 'which'],
  ['哪些', 'which'],
  ['多少', 'how many'],
  ['什么', 'what'],
  ['是否', 'whether'],
  ['能否', 'whether'],
  ['谁', 'who'],
  ['几', 'how many'],
  ['吗', 'whether'],
];

function hasNegation(text: string): boolean {
  const lower = text.toLowerCase();
  if (/n't\b/.test(lower)) return true;
  for (const w of lower.split(/[^\p{L}']+/u)) if (NEGATIONS.has(w)) return true;
  for (const n of ['不', '没', '无', '别']) if (lower.includes(n)) return true;
  return false;
}

function questionWord(text: string): string {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
  for (const w of words.slice(0, 4)) if (QUESTION_WORDS.includes(w)) return w;
  let first: { at: number; kind: string } | undefined;
  for (const [w, kind] of CHINESE_QUESTION_WORDS) {
    const at = text.indexOf(w);
    if (at >= 0 && (!first || at < first.at)) first = { at, kind };
  }
  return first?.kind ?? '';
}

/** For each row of a, its best cosine in b; mean and min over a's rows. */
function alignment(a: Float32Array, aRows: number, b: Float32Array, bRows: number, dim: number): { mean: number; min: number } {
  if (aRows === 0 || bRows === 0) return { mean: 0, min: 0 };
  let sum = 0;
  let min = Infinity;
  for (let i = 0; i < aRows; i++) {
    let best = -1;
    for (let j = 0; j < bRows; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (a[i * dim + d] as number) * (b[j * dim + d] as number);
      if (s > best) best = s;
    }
    sum += best;
    if (best < min) min = best;
  }
  return { mean: sum / aRows, min };
}

export function pairFeatures(q: PairSide, c: PairSide): FeatureVector {
  const cosine = dot(q.vector, c.vector);
  let alignMean = cosine;
  let alignMin = cosine;
  if (q.tokens && c.tokens && q.rows && c.rows) {
    const dim = q.vector.length;
    const ab = alignment(q.tokens, q.rows, c.tokens, c.rows, dim);
    const ba = alignment(c.tokens, c.rows, q.tokens, q.rows, dim);
    alignMean = (ab.mean + ba.mean) / 2;
    alignMin = Math.min(ab.min, ba.min);
  }
  const wq = contentWords(q.text);
  const wc = contentWords(c.text);
  let shared = 0;
  for (const w of wq) if (wc.has(w)) shared++;
  const union = wq.size + wc.size - shared;
  const jaccard = union === 0 ? 1 : shared / union;
  const unmatched = Math.log1p(union - shared);
  const lq = Math.max(1, q.text.length);
  const lc = Math.max(1, c.text.length);
  return Float64Array.from([
    cosine,
    alignMean,
    alignMin,
    jaccard,
    unmatched,
    numbers(q.text) === numbers(c.text) ? 0 : 1,
    hasNegation(q.text) === hasNegation(c.text) ? 0 : 1,
    questionWord(q.text) === questionWord(c.text) ? 0 : 1,
    Math.abs(Math.log(lq / lc)),
    cosine * cosine,
  ]);
}
