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

interface StoredEntry extends Omit<CacheEntry, 'vector'> {
  vector: string;
}

function encode(e: CacheEntry): string {
  const vector = Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).toString('base64');
  return JSON.stringify({ ...e, vector } satisfies StoredEntry);
}

function decode(raw: string): CacheEntry | undefined {
  try {
    const s = JSON.parse(raw) as StoredEntry;
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
    const raw = await this.run('GET', () => this.redis.get(this.prefix + key));
    return raw === null ? undefined : decode(raw);
  }

  async put(entry: CacheEntry): Promise<void> {
    const value = encode(entry);
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
      const values = await this.run('MGET', () => this.redis.mget(...keys));
      for (const raw of values) {
        const e = raw === null ? undefined : decode(raw);
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
