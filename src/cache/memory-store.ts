import type { CacheEntry, CacheStore } from './types.js';

// In-process store with a hard entry limit: least-recently-used entries go first (a Map keeps
// insertion order; a read re-inserts), expired entries are dropped when touched or swept.
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly listeners: ((key: string) => void)[] = [];

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string): void {
    this.entries.delete(key);
    for (const l of this.listeners) l(key);
  }

  get(key: string): Promise<CacheEntry | undefined> {
    const e = this.entries.get(key);
    if (!e) return Promise.resolve(undefined);
    if (e.expiresAt !== 0 && e.expiresAt <= this.now()) {
      this.drop(key);
      return Promise.resolve(undefined);
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return Promise.resolve(e);
  }

  async getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  put(entry: CacheEntry): Promise<void> {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    return Promise.resolve();
  }

  delete(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.entries.delete(k)) n++;
    return Promise.resolve(n);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the CacheStore interface is async for Redis's SCAN; memory has nothing to await.
  async *scan(): AsyncIterable<CacheEntry> {
    const now = this.now();
    for (const e of [...this.entries.values()]) if (e.expiresAt === 0 || e.expiresAt > now) yield e;
  }

  onEvict(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
