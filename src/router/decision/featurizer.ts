import { decodeSparseVector, encodeSparseVector, type EncodedSparseVector } from './codec.js';
import type { SparseFeatures } from './features.js';

// Hashed word + char n-gram TF-IDF, computed in-process with no vocabulary and no network: a fixed
// power-of-two dimension, FNV-1a hashing, sublinear tf (1 + ln tf), IDF fitted on training prompts, L2
// normalisation. The output stays sparse; one call touches a few thousand entries at most.

export interface HashedTfidfConfig {
  /** log2 of the feature dimension (18 → 262,144). */
  dimBits: number;
  /** Word n-gram orders, inclusive range. */
  wordNgrams: [number, number];
  /** Character n-gram orders over the whitespace-collapsed lower-cased text, inclusive range. */
  charNgrams: [number, number];
  /** Only the first maxChars characters are featurized: bounds decision latency on huge prompts. */
  maxChars: number;
}

/**
 * Word uni+bigrams only by default: on a validation slice of the routing train split, adding char 3–5-grams
 * gave a slightly worse log loss (0.6208 vs 0.6171) at 6× the training time. Char n-grams stay available
 * (`charNgrams: [3, 5]`) for prompts with many rare tokens (code, identifiers). [0, 0] disables them.
 * 2^16 dimensions: validation log loss 0.6178 vs 0.6170 at 2^18, for a snapshot about a third the size.
 */
export const DEFAULT_TFIDF_CONFIG: HashedTfidfConfig = {
  dimBits: 16,
  wordNgrams: [1, 2],
  charNgrams: [0, 0],
  maxChars: 4000,
};

export interface SerializedTfidf {
  config: HashedTfidfConfig;
  /** IDF of every feature seen in training; unseen features get `unseenIdf`. */
  idf: EncodedSparseVector;
  unseenIdf: number;
  documents: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SEED = 0x9e3779b1;
const BIGRAM_SEED = 0x85ebca6b;
const CHAR_SEED = 0xc2b2ae35;
const META_SEED = 0x27d4eb2f;

function isWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code > 127;
}

/**
 * Han and kana. Chinese and Japanese are written without spaces, so a whole clause would be one "word" no other
 * prompt shares: their words are overlapping character pairs instead (a lone character is itself), as Lucene's
 * CJKAnalyzer indexes them. Text without them featurizes as before.
 */
function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x3040 && code <= 0x30ff) || (code >= 0xf900 && code <= 0xfaff);
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h ^ b, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Visits every hashed feature of a text (with repetition); pure function of the text and config. */
function forEachHashedFeature(text: string, config: HashedTfidfConfig, visit: (hash: number) => void): void {
  const lower = (text.length > config.maxChars ? text.slice(0, config.maxChars) : text).toLowerCase();
  const [wMin, wMax] = config.wordNgrams;
  const [cMin, cMax] = config.charNgrams;

  // Words and word n-grams: a small ring of the last wMax word hashes.
  const ring = [0, 0, 0, 0, 0, 0, 0, 0];
  let words = 0;
  let h = FNV_OFFSET;
  let inWord = false;
  const flushWord = (): void => {
    const wordHash = mix(h, WORD_SEED);
    ring[words & 7] = wordHash;
    words++;
    if (wMin <= 1) visit(wordHash);
    let gram = wordHash;
    for (let n = 2; n <= wMax && n <= words && n <= 8; n++) {
      gram = mix(ring[(words - n) & 7]!, gram ^ BIGRAM_SEED);
      if (n >= wMin) visit(mix(gram, n));
    }
  };
  let prevCjk = -1;
  let cjkRun = 0;
  const flushLoneCjk = (): void => {
    if (cjkRun === 1) {
      h = Math.imul(FNV_OFFSET ^ prevCjk, FNV_PRIME);
      flushWord();
    }
    prevCjk = -1;
    cjkRun = 0;
  };
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    if (isCjk(code)) {
      if (inWord) {
        flushWord();
        inWord = false;
      }
      if (prevCjk >= 0) {
        h = Math.imul(Math.imul(FNV_OFFSET ^ prevCjk, FNV_PRIME) ^ code, FNV_PRIME);
        flushWord();
      }
      prevCjk = code;
      cjkRun++;
      continue;
    }
    if (cjkRun > 0) flushLoneCjk();
    if (isWordChar(code)) {
      if (!inWord) {
        h = FNV_OFFSET;
        inWord = true;
      }
      h = Math.imul(h ^ code, FNV_PRIME);
    } else if (inWord) {
      flushWord();
      inWord = false;
    }
  }
  if (inWord) flushWord();
  if (cjkRun > 0) flushLoneCjk();

  // Coarse length bucket: long prompts (multi-step problems) behave differently across models.
  visit(mix(META_SEED, 31 - Math.clz32(Math.max(1, lower.length))));

  // Character n-grams over the text with whitespace runs collapsed to one space.
  if (cMax < 1) return;
  const chars: number[] = [];
  let lastSpace = true;
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    const space = code === 32 || code === 9 || code === 10 || code === 13;
    if (space) {
      if (!lastSpace) chars.push(32);
      lastSpace = true;
    } else {
      chars.push(code);
      lastSpace = false;
    }
  }
  for (let start = 0; start < chars.length; start++) {
    let g = CHAR_SEED;
    for (let n = 1; n <= cMax && start + n <= chars.length; n++) {
      g = Math.imul(g ^ chars[start + n - 1]!, FNV_PRIME);
      if (n >= cMin) visit(mix(g, n));
    }
  }
}

export class HashedTfidfFeaturizer {
  readonly config: HashedTfidfConfig;
  readonly dim: number;
  private readonly mask: number;
  private readonly idf: Float32Array;
  private readonly unseenIdf: number;
  private readonly documents: number;
  // Scratch buffers reused across calls so a decision allocates (almost) nothing.
  private readonly counts: Float32Array;
  private touched: Int32Array;
  private outIndices: Int32Array;
  private outValues: Float32Array;

  constructor(config: HashedTfidfConfig = DEFAULT_TFIDF_CONFIG, idf?: Float32Array, unseenIdf = 1, documents = 0) {
    this.config = config;
    this.dim = 1 << config.dimBits;
    this.mask = this.dim - 1;
    this.idf = idf ?? new Float32Array(this.dim).fill(1);
    if (this.idf.length !== this.dim) throw new Error(`idf has ${this.idf.length} entries, expected ${this.dim}`);
    this.unseenIdf = unseenIdf;
    this.documents = documents;
    this.counts = new Float32Array(this.dim);
    this.touched = new Int32Array(4096);
    this.outIndices = new Int32Array(4096);
    this.outValues = new Float32Array(4096);
  }

  /** Fits IDF on a corpus: idf = ln((1 + N) / (1 + df)) + 1, as scikit-learn's smooth_idf. */
  static fit(texts: readonly string[], config: HashedTfidfConfig = DEFAULT_TFIDF_CONFIG): HashedTfidfFeaturizer {
    const dim = 1 << config.dimBits;
    const mask = dim - 1;
    const df = new Uint32Array(dim);
    const lastDoc = new Int32Array(dim).fill(-1);
    texts.forEach((text, doc) => {
      forEachHashedFeature(text, config, (hash) => {
        const idx = hash & mask;
        if (lastDoc[idx] !== doc) {
          lastDoc[idx] = doc;
          df[idx]!++;
        }
      });
    });
    const n = texts.length;
    const unseen = Math.log((1 + n) / 1) + 1;
    const idf = new Float32Array(dim).fill(unseen);
    for (let i = 0; i < dim; i++) if (df[i]! > 0) idf[i] = Math.log((1 + n) / (1 + df[i]!)) + 1;
    return new HashedTfidfFeaturizer(config, idf, unseen, n);
  }

  static deserialize(s: SerializedTfidf): HashedTfidfFeaturizer {
    // Only seen features were written; every other entry is the unseen IDF.
    const idf = decodeSparseVector(s.idf, s.unseenIdf);
    return new HashedTfidfFeaturizer(s.config, idf, s.unseenIdf, s.documents);
  }

  serialize(): SerializedTfidf {
    const unseen = Math.fround(this.unseenIdf);
    const seen = this.idf.map((v) => (v === unseen ? 0 : v));
    return { config: this.config, idf: encodeSparseVector(seen), unseenIdf: this.unseenIdf, documents: this.documents };
  }

  /**
   * Features of one text. The result views scratch buffers that the next call overwrites: copy it
   * (copyFeatures) to keep it.
   */
  featurize(text: string): SparseFeatures {
    let nTouched = 0;
    const counts = this.counts;
    const mask = this.mask;
    forEachHashedFeature(text, this.config, (hash) => {
      const idx = hash & mask;
      if (counts[idx] === 0) {
        if (nTouched === this.touched.length) this.grow();
        this.touched[nTouched++] = idx;
      }
      counts[idx]!++;
    });
    let norm = 0;
    for (let k = 0; k < nTouched; k++) {
      const idx = this.touched[k]!;
      const v = (1 + Math.log(counts[idx]!)) * this.idf[idx]!;
      counts[idx] = 0;
      this.outIndices[k] = idx;
      this.outValues[k] = v;
      norm += v * v;
    }
    // Not util/vector's l2normalize: the norm is summed from the unrounded float64 weights in the same pass,
    // and trained models and their reproducibility goldens are pinned to exactly these values.
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < nTouched; k++) this.outValues[k]! *= inv;
    return { kind: 'sparse', dim: this.dim, indices: this.outIndices, values: this.outValues, nnz: nTouched };
  }

  private grow(): void {
    const size = this.touched.length * 2;
    const t = new Int32Array(size);
    t.set(this.touched);
    this.touched = t;
    this.outIndices = new Int32Array(size);
    this.outValues = new Float32Array(size);
  }
}
