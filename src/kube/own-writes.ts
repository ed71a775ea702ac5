import { makeKey, type KubeObject } from './object.js';

/**
 * A controller's own writes (a primary's status and finalizers; the shared objects of readMergeWrite), remembered
 * until the cache shows them.
 *
 * - `isEcho(obj)`: the watch event of one of our writes. Its reconcile would read back exactly what the reconcile
 *   that wrote it decided, so the primary's update predicate drops it (controller-runtime filters its status
 *   writes with GenerationChangedPredicate; this is narrower: only the versions we wrote are dropped, a status
 *   someone else changed still comes back). bench:operator, 500 pools: each pool's own finalizer and status
 *   writes queued two or more of its ~7 reconciles.
 * - `newest(cached)`: a reconcile that starts before those events arrived reads the object our last write
 *   returned instead of the stale cached copy. Writing onto the stale copy would be a 409, and with the echoes
 *   dropped no event would bring the key back.
 */
export class OwnWrites<T extends KubeObject> {
  /** Per object: our last write's result, the versions our writes replaced and the versions they produced. */
  private readonly written = new Map<string, { object: T; replaced: string[]; echoes: string[] }>();

  /** `object` is what a write of ours returned; `base` the object it was written over. */
  record(base: KubeObject, object: T): void {
    const key = keyOf(object);
    const prev = this.written.get(key);
    const same = prev?.object.metadata.uid === object.metadata.uid;
    // A reconcile may write twice (finalizer, then status) before the first event arrives: both are ours.
    this.written.set(key, {
      object,
      replaced: [...(same ? prev!.replaced : []), base.metadata.resourceVersion ?? ''].slice(-KEPT),
      echoes: [...(same ? prev!.echoes : []), object.metadata.resourceVersion ?? ''].slice(-KEPT),
    });
  }

  /** The cached copy, or the newer object our last write returned while the cache holds a version we wrote over. */
  newest(cached: T): T {
    const mine = this.written.get(keyOf(cached));
    if (!mine || mine.object.metadata.uid !== cached.metadata.uid) return cached;
    return mine.replaced.includes(cached.metadata.resourceVersion ?? '-') ? mine.object : cached;
  }

  /** True for a version of `obj` that one of our writes produced. */
  isEcho(obj: KubeObject): boolean {
    const mine = this.written.get(keyOf(obj));
    return mine !== undefined && mine.object.metadata.uid === obj.metadata.uid && mine.echoes.includes(obj.metadata.resourceVersion ?? '-');
  }

  forget(key: string): void {
    this.written.delete(key);
  }
}

const KEPT = 8;
const keyOf = (o: KubeObject): string => makeKey(o.metadata.namespace, o.metadata.name ?? '');
