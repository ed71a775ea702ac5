import { Redis } from 'ioredis';
import { createLogger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { CacheStoreError, type CacheEntry, type CacheStore } from './types.js';

// Redis-backed entries (the store the Higress ai-cache plugin also uses), so answers survive a router
// restart and replicas can share them. The ANN index stays in process and is rebuilt from SCAN; an
// entry Redis no longer has (TTL, eviction, a restarted Redis) is dropped from the index when a
// lookup finds it missing. Commands fail fast while Redis is away (no offline queue): the caller
// treats that as a miss and counts it, and the client keeps reconnecting in the background.

const log = createLogger('cache-redis');

export interface RedisStoreOptions {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  database?: number | undefined;
  /** Every key starts with it (`higress-ai-cache:` is the plugin's; ours differs so both can share a Redis). */
  keyPrefix?: string | undefined;
  commandTimeoutMs?: number | undefined;
}

// Value layout (v2): "HAC2", u32 LE length of the JSON, the JSON of the entry without its vector,
// then the vector as raw float32 LE. A lookup reads a few candidates; a base64 vector inside the JSON
// made every one of them 2 kB of string to parse and decode, the raw bytes are one copy. Values
// written by the v1 layout (one JSON string with a base64 vector) are still read.
const MAGIC = Buffer.from('HAC2');

type StoredMeta = Omit<CacheEntry, 'vector'>;

interface StoredEntryV1 extends StoredMeta {
  vector: string;
}

export function encodeEntry(e: CacheEntry): Buffer {
  const { vector, ...meta } = e;
  const json = Buffer.from(JSON.stringify(meta satisfies StoredMeta));
  const out = Buffer.allocUnsafe(8 + json.length + vector.byteLength);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(out, 8 + json.length);
  return out;
}

export function decodeEntry(raw: Buffer): CacheEntry | undefined {
  try {
    if (raw.length >= 8 && raw.subarray(0, 4).equals(MAGIC)) {
      const len = raw.readUInt32LE(4);
      const meta = JSON.parse(raw.toString('utf8', 8, 8 + len)) as StoredMeta;
      const start = 8 + len;
      // One copy into an aligned buffer (a Float32Array over the reply's bytes needs 4-byte alignment).
      const vector = new Float32Array((raw.length - start) >> 2);
      new Uint8Array(vector.buffer).set(raw.subarray(start, start + vector.byteLength));
      return { ...meta, vector };
    }
    const s = JSON.parse(raw.toString('utf8')) as StoredEntryV1;
    const bytes = Buffer.from(s.vector, 'base64');
    const vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return { ...s, vector };
  } catch {
    return undefined;
  }
}

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly readyListeners: (() => void)[] = [];

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.keyPrefix ?? 'higress-ai-operator-cache:';
    this.redis = new Redis({
      host: opts.host,
      port: opts.port,
      username: opts.username,
      password: opts.password,
      db: opts.database ?? 0,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 1500,
      lazyConnect: false,
      // Reconnect forever, backing off to 2 s: a Redis restart must heal without a router restart.
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    this.redis.on('error', (err: unknown) => log.debug({ err: errorMessage(err) }, 'redis connection error'));
    this.redis.on('ready', () => {
      for (const l of this.readyListeners) l();
    });
  }

  /** True while connected; false while reconnecting. */
  get up(): boolean {
    return this.redis.status === 'ready';
  }

  /** Resolves once the first connection is ready (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.up) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CacheStoreError(`redis not ready within ${timeoutMs} ms`)), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Called after every (re)connection, e.g. to rebuild the index from what Redis holds now. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new CacheStoreError(`redis ${what} failed: ${errorMessage(err)}`);
    }
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const raw = await this.run('GET', () => this.redis.getBuffer(this.prefix + key));
    return raw === null ? undefined : decodeEntry(raw);
  }

  async getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    if (keys.length === 0) return [];
    const raws = await this.run('MGET', () => this.redis.mgetBuffer(...keys.map((k) => this.prefix + k)));
    return raws.map((raw) => (raw === null ? undefined : decodeEntry(raw)));
  }

  async put(entry: CacheEntry): Promise<void> {
    const value = encodeEntry(entry);
    const ttlMs = entry.expiresAt === 0 ? 0 : Math.max(1, entry.expiresAt - Date.now());
    await this.run('SET', () => (ttlMs > 0 ? this.redis.set(this.prefix + entry.key, value, 'PX', ttlMs) : this.redis.set(this.prefix + entry.key, value)));
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.run('UNLINK', () => this.redis.unlink(...keys.map((k) => this.prefix + k)));
  }

  async *scan(): AsyncIterable<CacheEntry> {
    let cursor = '0';
    do {
      const [next, keys] = await this.run('SCAN', () => this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500));
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.run('MGET', () => this.redis.mgetBuffer(...keys));
      for (const raw of values) {
        const e = raw === null ? undefined : decodeEntry(raw);
        if (e) yield e;
      }
    } while (cursor !== '0');
  }

  onEvict(): void {
    // Redis expires keys silently; the cache notices a missing entry on lookup instead.
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
