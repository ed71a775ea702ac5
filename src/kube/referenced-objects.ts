import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import type { KubeClient } from './client.js';
import { Informer, type EventHandler, type EventSource } from './informer.js';
import { parseKey, type KubeObject, type ObjectKey } from './object.js';
import type { ResourceType } from './resources.js';
import { errorMessage } from '../util/errors.js';

export interface ReferencedObjectsOptions {
  client: KubeClient;
  resource: ResourceType;
  resyncPeriodMs?: number;
  logger?: Logger;
  /** Called once a referenced object's cache has listed (found or not): owners can now decide. */
  onSynced?: (key: ObjectKey) => void;
}

/**
 * A cache of only the objects other resources reference — for Secrets, so the operator never lists or
 * watches every credential in the cluster. Each referenced object gets its own informer scoped by
 * namespace and `metadata.name` field selector (the API server filters; nothing else is sent to us). The
 * set follows the references: {@link setReferences} per owner, an informer starts when the first owner
 * names an object and stops when the last one lets go.
 * Reads look like an informer's: `store.get(key)`, `hasSynced()`, event handlers.
 */
export class ReferencedObjects<T extends KubeObject> implements EventSource<T> {
  private readonly log: Logger;
  private readonly watched = new Map<ObjectKey, { informer: Informer<T>; owners: Set<string>; unsubscribe: () => void }>();
  private readonly refsByOwner = new Map<string, Set<ObjectKey>>();
  private readonly handlers = new Set<EventHandler<T>>();
  private started = false;

  /** Read-only view shaped like an informer's store. */
  readonly store = {
    get: (key: ObjectKey): T | undefined => this.watched.get(key)?.informer.store.get(key),
    list: (): T[] => [...this.watched.values()].flatMap((w) => w.informer.store.list()),
  };

  constructor(private readonly opts: ReferencedObjectsOptions) {
    this.log = (opts.logger ?? createLogger('referenced')).child({ resource: opts.resource.plural });
  }

  /** Replace what `owner` references (keys `namespace/name`); an empty list releases everything it held. */
  setReferences(owner: string, refs: Iterable<ObjectKey>): void {
    const next = new Set(refs);
    const prev = this.refsByOwner.get(owner) ?? new Set<ObjectKey>();
    for (const key of prev) if (!next.has(key)) this.release(owner, key);
    for (const key of next) if (!prev.has(key)) this.acquire(owner, key);
    if (next.size) this.refsByOwner.set(owner, next);
    else this.refsByOwner.delete(owner);
  }

  /** Keys currently watched (one watch each). */
  watchedKeys(): ObjectKey[] {
    return [...this.watched.keys()];
  }

  /** True when every referenced object's cache has listed once. */
  hasSynced(): boolean {
    for (const w of this.watched.values()) if (!w.informer.hasSynced()) return false;
    return true;
  }

  /** Whether `key` is watched and its cache has listed (its absence from `store` then means it does not exist). */
  isSynced(key: ObjectKey): boolean {
    return this.watched.get(key)?.informer.hasSynced() ?? false;
  }

  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    for (const obj of this.store.list()) handler.onAdd?.(obj);
    return () => this.handlers.delete(handler);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const [key, w] of this.watched) this.startOne(w.informer, key);
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
  }

  private acquire(owner: string, key: ObjectKey): void {
    const existing = this.watched.get(key);
    if (existing) {
      existing.owners.add(owner);
      return;
    }
    const { namespace, name } = parseKey(key);
    const informer = new Informer<T>({
      client: this.opts.client,
      resource: this.opts.resource,
      namespace,
      fieldSelector: `metadata.name=${name}`,
      resyncPeriodMs: this.opts.resyncPeriodMs,
      logger: this.log,
    });
    const unsubscribe = informer.addEventHandler({
      onAdd: (o) => this.emit((h) => h.onAdd?.(o)),
      onUpdate: (o, n) => this.emit((h) => h.onUpdate?.(o, n)),
      onDelete: (o) => this.emit((h) => h.onDelete?.(o)),
    });
    this.watched.set(key, { informer, owners: new Set([owner]), unsubscribe });
    if (this.started) this.startOne(informer, key);
  }

  private release(owner: string, key: ObjectKey): void {
    const w = this.watched.get(key);
    if (!w) return;
    w.owners.delete(owner);
    if (w.owners.size) return;
    this.watched.delete(key);
    w.unsubscribe();
    void w.informer.stop();
  }

  private startOne(informer: Informer<T>, key: ObjectKey): void {
    informer.start();
    // The longest timer Node allows (~24.8 days): in practice "until it lists"; a stopped informer never does.
    informer.waitForSync(2 ** 31 - 1).then(
      () => this.opts.onSynced?.(key),
      () => undefined,
    );
  }

  private emit(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (e) {
        this.log.error({ err: errorMessage(e) }, 'event handler threw');
      }
    }
  }
}
