// What bench:cache and the experiments on its data share: the pair format of qqp_pairs.dev.jsonl and the
// verifier's candidates and fit/calibration split (bench/cache.ts fits and calibrates on the training half).

/** One line of qqp_pairs.dev.jsonl (../shared/data/cache/README.md). */
export interface Pair {
  id: number;
  text_a: string;
  text_b: string;
  label: 0 | 1;
}

/** Entries the verifier scores per lookup: the top CANDIDATES by cosine, those at or above MIN_COSINE. */
export const CANDIDATES = 3;
export const MIN_COSINE = 0.7;
/** Share of the training queries the verifier is fitted on; the rest calibrates it. */
export const FIT_SHARE = 0.6;
