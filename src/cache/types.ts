// What the cache keeps per answered question. The vector is the embedding of `question` (the last
// user message); `scope` is the hash of everything else that must match for the answer to apply.

export interface CachedReply {
  /** The completion as a chat.completion JSON object (a streamed reply is stored assembled). */
  completion: Record<string, unknown>;
  promptTokens: number;
  completionTokens: number;
}

export interface CacheEntry {
  /** `<consumer>/<model>/<scope hash>/<question hash>`: readable prefixes for invalidation. */
  key: string;
  scope: string;
  question: string;
  vector: Float32Array;
  /** The vector's space (Embedder.name); absent on entries written before it was recorded, or without a vector. */
  embedder?: string;
  reply: CachedReply;
  model: string;
  createdAt: number;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
  /** Verifier scores of lookups later reported wrong for this entry (vcache-style per-entry bound). */
  wrongScores: number[];
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<CacheEntry | undefined>;
  /** Several entries in one round trip (a lookup's ANN candidates), in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]>;
  put(entry: CacheEntry): Promise<void>;
  delete(keys: readonly string[]): Promise<number>;
  /** Every live entry (index rebuild at start-up and after the store comes back empty). */
  scan(): AsyncIterable<CacheEntry>;
  /** Called with keys the store dropped by itself (size limit, TTL), so the index follows. */
  onEvict(listener: (key: string) => void): void;
  close(): Promise<void>;
}

export class CacheStoreError extends Error {
  readonly reason = 'CacheStoreUnavailable';
}
