import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import type { KubeClient, WatchEvent } from './client.js';
import { apiErrorFrom, isGone, KubeApiError, reasonOf } from './errors.js';
import { keyOf, type KubeObject } from './object.js';
import type { ResourceType } from './resources.js';
import { Store } from './store.js';
import { backoffDelay } from './workqueue.js';
import { errorMessage } from '../util/errors.js';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** Also called with `old === obj` on every periodic resync. */
  onUpdate?(old: T, obj: T): void;
  /** Receives the last known state of the deleted object. */
  onDelete?(obj: T): void;
}

/** Anything that delivers object events: an {@link Informer}, or a set of them such as ReferencedObjects. */
export interface EventSource<T> {
  addEventHandler(handler: EventHandler<T>): () => void;
}

export interface InformerOptions {
  client: KubeClient;
  resource: ResourceType;
  /** Restrict to one namespace; all namespaces when omitted. */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Re-deliver every cached object as an update this often; 0/undefined disables. */
  resyncPeriodMs?: number | undefined;
  /** Server-side watch timeout; the watch is then resumed from the last resourceVersion. Default 300–600 s. */
  watchTimeoutSeconds?: number | undefined;
  /** List page size. Default 500. */
  pageSize?: number | undefined;
  logger?: Logger | undefined;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists caused by 410 Gone / Expired resource versions. */
  goneRelists: number;
  /** BOOKMARK events received (they advance the resume point without object changes). */
  bookmarks: number;
}

/**
 * List+watch cache for one resource type. Lists (paginated), then watches from the list's
 * resourceVersion with bookmarks; on a closed or failed stream it resumes from the last seen
 * resourceVersion (with backoff on errors); on 410 Gone/Expired it relists and emits the
 * difference as add/update/delete. `hasSynced()` turns true after the first complete list.
 */
export class Informer<T extends KubeObject> implements EventSource<T> {
  readonly store = new Store<T>();
  readonly stats: InformerStats = { lists: 0, watches: 0, goneRelists: 0, bookmarks: 0 };
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly log: Logger;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private stopped = true;
  private loop?: Promise<void>;
  private watchAbort?: AbortController;
  private sleepAbort?: AbortController;
  private resourceVersion = '';
  private resyncTimer?: ReturnType<typeof setInterval>;
  private restartRequested = false;
  private lastFailure: unknown;

  constructor(private readonly opts: InformerOptions) {
    this.log = (opts.logger ?? createLogger('informer')).child({ resource: opts.resource.plural });
  }

  /** Subscribe; returns an unsubscribe function. Late subscribers get `onAdd` for cached objects. */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.store.list()) this.call(() => handler.onAdd?.(obj));
    return () => this.handlers.delete(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Why the cache has not listed yet: the last failed list or watch attempt's error (undefined once synced). */
  syncFailure(): unknown {
    return this.synced ? undefined : this.lastFailure;
  }

  /** Resolves after the first complete list; rejects on timeout (reason `CacheSyncTimeout`). */
  waitForSync(timeoutMs = 60_000): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new KubeApiError(504, 'CacheSyncTimeout', `${this.opts.resource.kind} cache did not sync in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The resourceVersion the next watch resumes from. */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watchAbort?.abort();
    this.sleepAbort?.abort();
    await this.loop;
  }

  /**
   * Drop the current watch and resume from `resourceVersion` (default: the last one seen), as after a
   * network break. Passing an expired version exercises the 410 → relist path.
   */
  restartWatch(resourceVersion?: string): void {
    if (resourceVersion !== undefined) this.resourceVersion = resourceVersion;
    // Between list and watch there is no stream to abort yet; the flag makes the next watch start over.
    this.restartRequested = true;
    this.watchAbort?.abort();
  }

  /**
   * Cut short a back-off sleep after failed list/watch attempts and try again now — e.g. when the kind's CRD
   * was just installed, instead of waiting out a back-off that grew while it was missing (up to 30 s).
   */
  retryNow(): void {
    this.sleepAbort?.abort();
  }

  /** Deliver every cached object to `onUpdate(obj, obj)` — the periodic resync. */
  resync(): void {
    for (const obj of this.store.list()) this.emit((h) => h.onUpdate?.(obj, obj));
  }

  private async run(): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce();
        failures = 0;
      } catch (e) {
        if (this.stopped) break;
        if (isGone(e)) {
          this.stats.goneRelists++;
          this.log.info({ resourceVersion: this.resourceVersion }, 'resourceVersion expired; relisting');
          needList = true;
          continue;
        }
        this.lastFailure = e;
        const delay = backoffDelay(failures++, { baseDelayMs: 200, maxDelayMs: 30_000, jitter: 0.2 });
        this.log.warn({ err: errorMessage(e), reason: reasonOf(e), delayMs: Math.round(delay) }, 'list/watch failed; retrying');
        await this.sleep(delay);
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const { items, resourceVersion } = await this.opts.client.list<T>(this.opts.resource, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      limit: this.opts.pageSize ?? 500,
    });
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(keyOf(obj));
      this.upsert(obj);
    }
    for (const key of this.store.keys()) {
      if (!seen.has(key)) {
        const old = this.store.remove(key);
        if (old) this.emit((h) => h.onDelete?.(old));
      }
    }
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private upsert(obj: T): void {
    // client-go's TransformStripManagedFields: nothing reads them from a cache, and they are a good share of
    // every cached object (several entries per writer). An update without them leaves the server's intact.
    delete obj.metadata.managedFields;
    const old = this.store.upsert(obj);
    if (!old) this.emit((h) => h.onAdd?.(obj));
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
  }

  private async watchOnce(): Promise<void> {
    const abort = new AbortController();
    this.watchAbort = abort;
    // stop()/restartWatch() may have run while no watch was open; both set their flag synchronously.
    if (this.stopped) return;
    if (this.restartRequested) {
      this.restartRequested = false;
      return;
    }
    this.stats.watches++;
    const timeout = this.opts.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    // The server ends the watch at `timeout`; if the connection silently died it never will, so
    // abort ourselves a little later and resume (a dead TCP peer sends no FIN).
    const deadline = setTimeout(() => abort.abort(), (timeout + 30) * 1000);
    deadline.unref?.();
    await this.opts.client
      .watch<T>(
        this.opts.resource,
        {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: timeout,
        },
        (ev) => this.handle(ev),
        abort.signal,
      )
      .finally(() => clearTimeout(deadline));
    this.restartRequested = false;
  }

  private handle(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      const status = ev.object as unknown as { code?: number };
      throw apiErrorFrom(status.code ?? 500, ev.object, `watch ${this.opts.resource.kind}`);
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv) this.resourceVersion = rv;
      return;
    }
    if (ev.type === 'DELETED') {
      const key = keyOf(ev.object);
      const old = this.store.remove(key);
      this.emit((h) => h.onDelete?.(old ?? ev.object));
    } else {
      this.upsert(ev.object);
    }
    if (rv) this.resourceVersion = rv;
  }

  private emit(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'event handler threw');
    }
  }

  private sleep(ms: number): Promise<void> {
    const abort = new AbortController();
    this.sleepAbort = abort;
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
