import { rawWords, stem, isStopword } from '../text.js';
import { l2normalize } from '../../util/vector.js';
import type { Embedder } from './types.js';

// Offline default: feature hashing (Weinberger et al. 2009) of stemmed word unigrams, word bigrams
// and character trigrams, with a sign hash so collisions cancel in expectation. Sublinear tf; no
// corpus statistics, so a vector never changes as the corpus grows (no re-embedding on ingest).
// Character trigrams give some robustness to spelling/inflection that exact terms lack.

function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const FEATURE_WEIGHTS = { unigram: 1, bigram: 0.5, trigram: 0.25 } as const;

export function hashedFeatures(text: string): Map<string, number> {
  const feats = new Map<string, number>();
  const add = (f: string, w: number): void => {
    feats.set(f, (feats.get(f) ?? 0) + w);
  };
  const words = rawWords(text)
    .filter((w) => !isStopword(w))
    .map(stem);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    add(`u:${w}`, FEATURE_WEIGHTS.unigram);
    const next = words[i + 1];
    if (next !== undefined) add(`b:${w}_${next}`, FEATURE_WEIGHTS.bigram);
    const padded = `^${w}$`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, FEATURE_WEIGHTS.trigram);
  }
  return feats;
}

export class HashingEmbedder implements Embedder {
  readonly name = 'hashing';
  constructor(readonly dimensions = 256) {}

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (const [f, w] of hashedFeatures(text)) {
      const h = fnv1a(f, 0);
      const sign = fnv1a(f, 0x9e3779b9) & 1 ? 1 : -1;
      const idx = h % this.dimensions;
      v[idx] = (v[idx] ?? 0) + sign * (1 + Math.log(w));
    }
    return l2normalize(v);
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }
}
