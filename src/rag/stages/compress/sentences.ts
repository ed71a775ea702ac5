import { coverage, mentions, questionTermsOf, type Idf } from '../../lexical.js';
import { terms, tokenCount } from '../../text.js';
import type { ContextPassage, ScoredChunk } from '../../types.js';
import { closeByMeaning, contextCandidates, passageOf } from '../context.js';
import type { Stage } from '../types.js';

// Extractive compression in the spirit of RECOMP's extractive compressor (Xu et al. 2024) and
// LongLLMLingua's question-aware filtering (Jiang et al. 2024), without a model. Each sentence (a
// CRAG "knowledge strip") is scored by its best IDF-weighted coverage of the question or of any
// sub-question. A sentence is kept when
//   - its score ≥ minSentenceScore, or
//   - it is the passage's lead sentence (it names the entity later sentences refer to with
//     pronouns), or
//   - it mentions the title of another passage in the context (the bridge between hops).
// Passages are selected first: a passage is kept when its own coverage of the question (or of a
// sub-question) reaches minPassageScore, when the question names it, or when it is linked by a
// mention to such a passage; the rest are dropped (CRAG's document-level filtering).

// A sentence opening with a pronoun or a definite description ("It …", "The band …") is about the
// passage's entity, so it is scored as if the title were written out (a one-rule coreference).
const ANAPHORIC_START = /^["'“(]?(it|its|he|his|she|her|they|their|this|these|the\s+\p{Ll}+)\b/iu;

export interface CompressionResult {
  passages: ContextPassage[];
  tokensBefore: number;
  tokensAfter: number;
  droppedPassages: number;
}

export function compressPassages(
  query: string,
  subQueries: string[],
  candidates: ScoredChunk[],
  idf: Idf,
  minScore: number,
  minPassageScore: number,
  /** Passages CRAG kept on meaning alone: kept, and whole (there are no words to choose their sentences by). */
  byMeaning?: (c: ScoredChunk) => boolean,
): CompressionResult {
  const queries = [query, ...subQueries].map((q) => questionTermsOf(q, idf));
  const queryTerms = queries[0] as string[];
  const texts = candidates.map((c) => c.chunk.sentences.join(' '));
  const passageScore = candidates.map((c, i) => {
    const set = new Set(terms(`${c.chunk.title} ${texts[i] ?? ''}`));
    return coverage(queryTerms, set, idf);
  });
  // Seeds: passages relevant on their own or named by the question. Then one hop along mentions
  // (a seed's text names the passage, or the passage names a seed): the bridge of multi-hop QA.
  const whole = candidates.map((c, i) => (passageScore[i] ?? 0) < minPassageScore && byMeaning?.(c) === true);
  const seed = candidates.map((c, i) => (passageScore[i] ?? 0) >= minPassageScore || mentions(query, c.chunk.title));
  if (!seed.some(Boolean) && candidates.length > 0) seed[0] = true;
  // Added after the fallback: passages kept by meaning do not displace the top one the words would keep.
  whole.forEach((w, i) => (seed[i] ||= w));
  const keep = candidates.map(
    (c, i) =>
      seed[i] === true ||
      candidates.some((o, j) => seed[j] === true && j !== i && (mentions(texts[j] ?? '', c.chunk.title) || mentions(texts[i] ?? '', o.chunk.title))),
  );
  const keptTitles = candidates.filter((_, i) => keep[i]).map((c) => c.chunk.title);
  let tokensBefore = 0;
  let tokensAfter = 0;
  let droppedPassages = 0;
  const passages: ContextPassage[] = [];
  candidates.forEach((c, ci) => {
    const sentences = c.chunk.sentences.map((text, i) => {
      const set = new Set(terms(ANAPHORIC_START.test(text) ? `${c.chunk.title} ${text}` : text));
      const score = Math.max(...queries.map((q) => coverage(q, set, idf)));
      const bridge = keptTitles.some((t) => t !== c.chunk.title && mentions(text, t));
      const lead = i === 0 && c.chunk.sentenceOffset === 0;
      return { index: c.chunk.sentenceOffset + i, text, keep: score >= minScore || lead || bridge || whole[ci] === true };
    });
    for (const x of sentences) tokensBefore += tokenCount(x.text);
    if (!keep[ci]) {
      droppedPassages++;
      return;
    }
    const kept = sentences.filter((x) => x.keep);
    for (const x of kept) tokensAfter += tokenCount(x.text);
    passages.push(
      passageOf(
        c,
        kept.map((x) => ({ index: x.index, text: x.text })),
      ),
    );
  });
  return { passages, tokensBefore, tokensAfter, droppedPassages };
}

export const sentenceCompress: Stage = {
  kind: 'compress',
  variant: 'sentences',
  run(state, deps) {
    const input = contextCandidates(state.candidates, deps.topK);
    const c = deps.settings.compress;
    const byMeaning = state.crag?.byMeaning ? closeByMeaning(deps) : undefined;
    const r = compressPassages(state.query, state.subQueries, input, deps.idf, c.minSentenceScore, c.minPassageScore, byMeaning);
    return Promise.resolve({
      status: 'ran',
      state: { ...state, context: r.passages },
      decision: {
        tokensBefore: r.tokensBefore,
        tokensAfter: r.tokensAfter,
        ratio: r.tokensBefore ? r.tokensAfter / r.tokensBefore : 1,
        droppedPassages: r.droppedPassages,
      },
    });
  },
};
