import { createLogger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import type { Embedder } from '../embed/types.js';
import type { TokenVectors } from '../embed/onnx.js';
import type { PairSide } from './pair-features.js';
import { keyPrefix, type KeyedRequest } from './request-key.js';
import { CacheStoreError, type CacheEntry, type CacheStore, type CachedReply } from './types.js';
import { VectorIndex } from './vector-index.js';
import type { Verifier } from './verifier.js';

// The semantic cache beyond the ai-cache plugin: exact match first, then the nearest questions of the
// same scope (consumer × model × system prompt × conversation context), each checked by the verifier
// against a threshold derived from δ. Every failure of the store is a miss, never an error the client
// sees: a cache must only ever make things cheaper.

const log = createLogger('semantic-cache');

/** An embedder that can also return token vectors (the ONNX backend) — the verifier aligns them. */
interface TokenEmbedder extends Embedder {
  embedWithTokens(texts: string[]): Promise<TokenVectors[]>;
  /** Share of a text's word pieces the vocabulary knows. */
  coverage?(text: string): number;
}

function hasTokens(e: Embedder): e is TokenEmbedder {
  return typeof (e as Partial<TokenEmbedder>).embedWithTokens === 'function';
}

export interface Price {
  pricePer1MInput: number;
  pricePer1MOutput: number;
}

export interface SemanticCacheOptions {
  store: CacheStore;
  embedder: Embedder;
  verifier: Verifier;
  /** Calibrated bound on the share of served semantic hits that are wrong. */
  delta: number;
  /** Entry lifetime; 0 = until evicted or invalidated. */
  ttlSeconds: number;
  /** Whether to look beyond the exact key at all (the plugin's enableSemanticCache). */
  semantic?: boolean;
  /** Nearest neighbours handed to the verifier per lookup. */
  candidates?: number;
  /** Neighbours below this cosine are not even verified (saves the token alignment). */
  minCosine?: number;
  /** Below this vocabulary coverage the embedding is meaningless (e.g. CJK for an English vocab): exact match only. */
  minCoverage?: number;
  price?: (model: string) => Price | undefined;
  now?: () => number;
  /** False when the verifier was not calibrated for delta (no verifier file): delta is then not enforced. */
  calibrated?: boolean;
  /** Why similar questions are not looked up although asked for (e.g. the embedding model is missing). */
  semanticOff?: string;
}

export type LookupResult =
  | { hit: true; kind: 'exact' | 'semantic'; entry: CacheEntry; score: number }
  | {
      hit: false;
      why: 'NoQuestion' | 'Empty' | 'BelowThreshold' | 'Uncovered' | 'StoreUnavailable' | 'EmbeddingFailed' | 'SemanticDisabled';
      vector?: Float32Array;
    };

export interface CacheStats {
  lookups: number;
  exactHits: number;
  semanticHits: number;
  misses: number;
  verifierRejections: number;
  uncovered: number;
  storeErrors: number;
  stored: number;
  invalidated: number;
  entries: number;
  /** Sum over served semantic hits of the calibrated probability that the hit was wrong. */
  wrongHitEstimate: number;
  tokensSaved: number;
  usdSaved: number;
  storeUp: boolean;
  threshold: number;
  delta: number;
  /** Whether similar (not only identical) questions are looked up. */
  semantic: boolean;
  /** Why not, when they were asked for. */
  semanticOff?: string;
  /** Whether the verifier's threshold is calibrated for delta (a verifier file); false = fixed cosine, delta not enforced. */
  calibrated: boolean;
  embedder: string;
}

export type Invalidation = { key: string } | { prefix: string } | { all: true } | { consumer: string; model?: string | undefined };

interface IndexedEntry {
  scope: string;
  question: string;
  expiresAt: number;
  wrongScores: number[];
}

/** vCache-like per-entry bound: an entry once served wrongly at score s needs more than s. */
const entryBound = (wrongScores: readonly number[]): number => (wrongScores.length > 0 ? Math.max(...wrongScores) + 1e-9 : -Infinity);

export class SemanticCache {
  private readonly indexes = new Map<string, VectorIndex>();
  /**
   * What the verifier needs of every indexed entry, kept in process so that scoring the ANN candidates
   * costs no round trip: only a candidate that passes is read from the store (its reply, and its
   * current wrong scores, which another replica's feedback may have raised).
   */
  private readonly known = new Map<string, IndexedEntry>();
  /** The verifier deciding now (replaced when its file changes: setVerifier) and what it allows. */
  private judge: { verifier: Verifier; threshold: number; calibrated: boolean; off: string | undefined };
  private readonly closers: (() => void)[] = [];
  private storeUp = true;
  private readonly counters = {
    lookups: 0,
    exactHits: 0,
    semanticHits: 0,
    misses: 0,
    verifierRejections: 0,
    uncovered: 0,
    storeErrors: 0,
    stored: 0,
    invalidated: 0,
    wrongHitEstimate: 0,
    tokensSaved: 0,
    usdSaved: 0,
  };

  constructor(private readonly opts: SemanticCacheOptions) {
    this.judge = { verifier: opts.verifier, threshold: opts.verifier.thresholdFor(opts.delta), calibrated: opts.calibrated ?? true, off: undefined };
    opts.store.onEvict((key) => this.unindex(key));
  }

  /**
   * Decides with another verifier from now on (its file changed). `off` says why it serves no similar question
   * (unreadable, or its calibration cannot certify delta); the entries and the index stay as they are.
   */
  setVerifier(verifier: Verifier, calibrated: boolean, off?: string): void {
    this.judge = { verifier, threshold: verifier.thresholdFor(this.opts.delta), calibrated, off };
  }

  /** Runs `fn` when the cache closes (a file watch of its verifier). */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  /** Builds the index from what the store already holds (a restarted router, a Redis shared by replicas). */
  async resync(): Promise<number> {
    this.indexes.clear();
    this.known.clear();
    let n = 0;
    try {
      for await (const e of this.opts.store.scan()) {
        this.index(e);
        n++;
      }
      this.storeUp = true;
    } catch (err) {
      this.storeFailed('scan', err);
    }
    return n;
  }

  get entries(): number {
    return this.known.size;
  }

  /** Similar questions are looked up: asked for, and nothing (a missing encoder, a verifier) prevents it. */
  private get semanticOn(): boolean {
    return this.opts.semantic !== false && this.opts.semanticOff === undefined && this.judge.off === undefined;
  }

  stats(): CacheStats {
    return {
      ...this.counters,
      entries: this.known.size,
      storeUp: this.storeUp,
      threshold: this.judge.threshold,
      delta: this.opts.delta,
      semantic: this.semanticOn,
      ...((this.opts.semanticOff ?? this.judge.off) !== undefined ? { semanticOff: this.opts.semanticOff ?? this.judge.off } : {}),
      calibrated: this.judge.calibrated,
      embedder: this.opts.embedder.name,
    };
  }

  private index(e: CacheEntry): void {
    this.known.set(e.key, { scope: e.scope, question: e.question, expiresAt: e.expiresAt, wrongScores: [...e.wrongScores] });
    if (!this.searchable(e)) return;
    let idx = this.indexes.get(e.scope);
    if (!idx) {
      idx = new VectorIndex(e.vector.length);
      this.indexes.set(e.scope, idx);
    }
    idx.add(e.key, e.vector);
  }

  /**
   * Whether an entry's vector lives in this embedder's space. A store outlives models: entries written without
   * a vector (no encoder, a failed embedding) or by another model (an upgrade, a replica on other files) still
   * answer identical questions, but comparing their vectors with this model's would mean nothing.
   */
  private searchable(e: CacheEntry): boolean {
    const embedder = this.opts.embedder;
    return e.vector.length > 0 && e.vector.length === embedder.dimensions && (e.embedder ?? embedder.name) === embedder.name;
  }

  private unindex(key: string): void {
    const known = this.known.get(key);
    if (known === undefined) return;
    this.indexes.get(known.scope)?.remove(key);
    this.known.delete(key);
  }

  private storeFailed(what: string, err: unknown): void {
    this.counters.storeErrors++;
    if (this.storeUp) log.warn({ what, err: errorMessage(err) }, 'cache store unavailable; serving misses');
    this.storeUp = false;
  }

  private async fetch(key: string): Promise<CacheEntry | undefined> {
    return this.live([key], [await this.opts.store.get(key)])[0];
  }

  private async fetchMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    return keys.length === 0 ? [] : this.live(keys, await this.opts.store.getMany(keys));
  }

  /** Drops from the index what the store no longer has or what has expired. */
  private live(keys: readonly string[], got: (CacheEntry | undefined)[]): (CacheEntry | undefined)[] {
    this.storeUp = true;
    const now = (this.opts.now ?? Date.now)();
    return keys.map((key, i) => {
      const e = got[i];
      if (!e || (e.expiresAt !== 0 && e.expiresAt <= now)) {
        this.unindex(key);
        return undefined;
      }
      return e;
    });
  }

  async lookup(k: KeyedRequest): Promise<LookupResult> {
    this.counters.lookups++;
    const result = await this.decide(k);
    if (!result.hit) {
      this.counters.misses++;
      return result;
    }
    const { entry } = result;
    if (result.kind === 'exact') this.counters.exactHits++;
    else {
      this.counters.semanticHits++;
      this.counters.wrongHitEstimate += this.judge.verifier.wrongProbability(result.score);
    }
    this.counters.tokensSaved += entry.reply.promptTokens + entry.reply.completionTokens;
    // Priced as the model that wrote the answer: a SemanticRouter's clients ask for a virtual model ("auto"), which
    // has no price; the stored completion names the model that answered.
    const answeredBy = entry.reply.completion.model;
    const price = this.opts.price?.(typeof answeredBy === 'string' && answeredBy !== '' ? answeredBy : entry.model);
    if (price) this.counters.usdSaved += (entry.reply.promptTokens * price.pricePer1MInput + entry.reply.completionTokens * price.pricePer1MOutput) / 1e6;
    return result;
  }

  private async decide(k: KeyedRequest): Promise<LookupResult> {
    try {
      const exact = await this.fetch(k.key);
      if (exact) return { hit: true, kind: 'exact', entry: exact, score: 1 };
    } catch (err) {
      if (!(err instanceof CacheStoreError)) throw err;
      this.storeFailed('get', err);
      return { hit: false, why: 'StoreUnavailable' };
    }
    if (!this.semanticOn) return { hit: false, why: 'SemanticDisabled' };
    const embedder = this.opts.embedder;
    let query: PairSide;
    try {
      if (hasTokens(embedder)) {
        if (embedder.coverage && embedder.coverage(k.question) < (this.opts.minCoverage ?? 0.8)) {
          this.counters.uncovered++;
          return { hit: false, why: 'Uncovered' };
        }
        const [t] = await embedder.embedWithTokens([k.question]);
        if (!t) throw new Error('no embedding');
        query = { text: k.question, vector: t.vector, tokens: t.tokens, rows: t.rows };
      } else {
        const [v] = await embedder.embed([k.question]);
        if (!v) throw new Error('no embedding');
        query = { text: k.question, vector: v };
      }
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'query embedding failed; cache miss');
      return { hit: false, why: 'EmbeddingFailed' };
    }
    const idx = this.indexes.get(k.scope);
    if (!idx || idx.size === 0) return { hit: false, why: 'Empty', vector: query.vector };
    const now = (this.opts.now ?? Date.now)();
    const candidates: { key: string; entry: IndexedEntry; vector: Float32Array }[] = [];
    for (const n of idx.search(query.vector, this.opts.candidates ?? 3)) {
      const entry = this.known.get(n.id);
      const vector = idx.vector(n.id);
      if (n.score < (this.opts.minCosine ?? 0.7) || !entry || !vector) continue;
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.unindex(n.id);
      else candidates.push({ key: n.id, entry, vector });
    }
    const sides = await this.candidateSides(candidates, query);
    const passed: { key: string; score: number }[] = [];
    let rejected = false;
    candidates.forEach((c, i) => {
      const score = this.judge.verifier.scorePair(query, sides[i] as PairSide);
      if (score >= Math.max(this.judge.threshold, entryBound(c.entry.wrongScores))) passed.push({ key: c.key, score });
      else rejected = true;
    });
    if (passed.length > 0) {
      passed.sort((a, b) => b.score - a.score);
      try {
        // One MGET, and only when a candidate passed: a lookup the verifier rejects is one round trip.
        const entries = await this.fetchMany(passed.map((p) => p.key));
        for (const [i, entry] of entries.entries()) {
          const { score } = passed[i] as { score: number };
          if (entry && score >= entryBound(entry.wrongScores)) return { hit: true, kind: 'semantic', entry, score };
        }
      } catch (err) {
        if (!(err instanceof CacheStoreError)) throw err;
        this.storeFailed('get', err);
        return { hit: false, why: 'StoreUnavailable', vector: query.vector };
      }
    }
    if (rejected) this.counters.verifierRejections++;
    return { hit: false, why: 'BelowThreshold', vector: query.vector };
  }

  private async candidateSides(candidates: { entry: IndexedEntry; vector: Float32Array }[], query: PairSide): Promise<PairSide[]> {
    const embedder = this.opts.embedder;
    if (candidates.length === 0 || !query.tokens || !hasTokens(embedder)) return candidates.map((c) => ({ text: c.entry.question, vector: c.vector }));
    // Token vectors are not stored (≈ 20 kB an entry); re-encoding the few candidates is cheaper.
    const toks = await embedder.embedWithTokens(candidates.map((c) => c.entry.question));
    return candidates.map((c, i) => ({ text: c.entry.question, vector: c.vector, tokens: toks[i]?.tokens, rows: toks[i]?.rows }));
  }

  /** Stores an answer; `vector` is the lookup's query embedding when there was one. */
  async store(k: KeyedRequest, reply: CachedReply, vector?: Float32Array): Promise<boolean> {
    let v = vector;
    // Without similar-question lookups a vector would never be searched: exact match needs none.
    if (!v && this.semanticOn) {
      try {
        [v] = await this.opts.embedder.embed([k.question]);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'embedding failed; storing for exact match only');
      }
    }
    const now = (this.opts.now ?? Date.now)();
    const entry: CacheEntry = {
      key: k.key,
      scope: k.scope,
      question: k.question,
      vector: v ?? new Float32Array(0),
      ...(v ? { embedder: this.opts.embedder.name } : {}),
      reply,
      model: k.model,
      createdAt: now,
      expiresAt: this.opts.ttlSeconds > 0 ? now + this.opts.ttlSeconds * 1000 : 0,
      wrongScores: [],
    };
    try {
      await this.opts.store.put(entry);
      this.storeUp = true;
    } catch (err) {
      if (!(err instanceof CacheStoreError)) throw err;
      this.storeFailed('put', err);
      return false;
    }
    this.index(entry);
    this.counters.stored++;
    return true;
  }

  /** Drops entries by exact key, by key prefix (`consumer/`, `consumer/model/`), or all. */
  async invalidate(what: Invalidation): Promise<number> {
    const prefix = 'all' in what ? '' : 'prefix' in what ? what.prefix : 'consumer' in what ? keyPrefix(what.consumer, what.model) : undefined;
    const keys = new Set<string>();
    if (prefix === undefined && 'key' in what) keys.add(what.key);
    else {
      for (const k of this.known.keys()) if (k.startsWith(prefix ?? '')) keys.add(k);
      // Entries other replicas wrote are in the store but maybe not in this index.
      try {
        for await (const e of this.opts.store.scan()) if (e.key.startsWith(prefix ?? '')) keys.add(e.key);
      } catch (err) {
        if (!(err instanceof CacheStoreError)) throw err;
        this.storeFailed('scan', err);
      }
    }
    let removed = 0;
    try {
      removed = await this.opts.store.delete([...keys]);
    } catch (err) {
      if (!(err instanceof CacheStoreError)) throw err;
      this.storeFailed('delete', err);
    }
    for (const k of keys) this.unindex(k);
    this.counters.invalidated += removed;
    return removed;
  }

  /**
   * A served hit turned out wrong (user feedback, an evaluator): the entry now needs a higher score
   * than this one to be served again — the per-entry learned threshold of vCache in its simplest form.
   */
  async reportWrong(key: string, score: number): Promise<boolean> {
    try {
      const e = await this.fetch(key);
      if (!e) return false;
      e.wrongScores.push(score);
      await this.opts.store.put(e);
      this.known.get(key)?.wrongScores.push(score);
      return true;
    } catch (err) {
      if (!(err instanceof CacheStoreError)) throw err;
      this.storeFailed('put', err);
      return false;
    }
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) fn();
    await this.opts.store.close();
  }
}
