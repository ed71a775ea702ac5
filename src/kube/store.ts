import { keyOf, type KubeObject, type ObjectKey } from './object.js';

/** Computes index values for an object (e.g. the Secrets a ModelPool references). */
export type IndexFunc<T> = (obj: T) => readonly string[];

const NAMESPACE_INDEX = '__namespace';
const LABEL_INDEX = '__label';

/**
 * Informer cache: objects by `namespace/name`, with built-in indexes by namespace and by label
 * (`key=value`) plus any custom indexes. Read-only for callers: only the informer writes it.
 * Returned objects are shared with the cache — treat them as immutable.
 */
export class Store<T extends KubeObject> {
  private readonly items = new Map<ObjectKey, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indexes = new Map<string, Map<string, Set<ObjectKey>>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
    this.addIndex(LABEL_INDEX, (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`));
  }

  /** Register a custom index; existing objects are indexed immediately. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexers.set(name, fn);
    const index = new Map<string, Set<ObjectKey>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
  }

  get(key: ObjectKey): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): ObjectKey[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.items.get(k)).filter((o): o is T => o !== undefined);
  }

  /** The distinct values an index holds now (e.g. which gateway namespaces have pools at all). */
  indexValues(name: string): string[] {
    return [...(this.indexes.get(name)?.keys() ?? [])];
  }

  /** Whether some object under an index value satisfies `pred`, without copying the value's objects out. */
  someInIndex(name: string, value: string, pred: (obj: T) => boolean): boolean {
    for (const k of this.indexes.get(name)?.get(value) ?? []) {
      const obj = this.items.get(k);
      if (obj && pred(obj)) return true;
    }
    return false;
  }

  /** Whether some object in `namespace` satisfies `pred`, without copying the namespace's objects out. */
  someInNamespace(namespace: string, pred: (obj: T) => boolean): boolean {
    return this.someInIndex(NAMESPACE_INDEX, namespace, pred);
  }

  byNamespace(namespace: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  byLabel(key: string, value: string): T[] {
    return this.byIndex(LABEL_INDEX, `${key}=${value}`);
  }

  /** Insert or replace; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) for (const v of fn(obj)) addTo(this.indexes.get(name)!, v, key);
    return old;
  }

  /** Remove by key; returns the removed object. */
  remove(key: ObjectKey): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: ObjectKey, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set && set.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(index: Map<string, Set<ObjectKey>>, value: string, key: ObjectKey): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}
