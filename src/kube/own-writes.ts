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
  /**
   * Per object: our last write's result while the cache has not shown it yet, the object's uid, the versions our
   * writes replaced and the versions they produced.
   */
  private readonly written = new Map<string, { object: T | undefined; uid: string | undefined; replaced: string[]; echoes: string[] }>();

  /** `object` is what a write of ours returned; `base` the object it was written over. */
  record(base: KubeObject, object: T): void {
    const key = keyOf(object);
    const prev = this.written.get(key);
    const same = prev?.uid === object.metadata.uid;
    // A reconcile may write twice (finalizer, then status) before the first event arrives: both are ours.
    this.written.set(key, {
      object,
      uid: object.metadata.uid,
      replaced: [...(same ? prev!.replaced : []), base.metadata.resourceVersion ?? ''].slice(-KEPT),
      echoes: [...(same ? prev!.echoes : []), object.metadata.resourceVersion ?? ''].slice(-KEPT),
    });
  }

  /** The cached copy, or the newer object our last write returned while the cache holds a version we wrote over. */
  newest(cached: T): T {
    const mine = this.mine(cached);
    if (!mine) return cached;
    if (mine.replaced.includes(cached.metadata.resourceVersion ?? '-')) return mine.object ?? cached;
    mine.object = undefined; // the cache has caught up (see below)
    return cached;
  }

  /**
   * True for a version of `obj` that one of our writes produced. The primary's update predicate asks with the
   * version the cache now holds: when that is our last write, our copy is let go (see below).
   */
  isEcho(obj: KubeObject): boolean {
    const mine = this.mine(obj);
    const rv = obj.metadata.resourceVersion ?? '-';
    if (!mine?.echoes.includes(rv)) return false;
    // Once the cache holds our last write (or a later version) our copy is not read again. Kept, every pool's last
    // status write and every shared object's last write (150–365 KB of JSON each at 500 pools) stayed in the heap
    // beside the cached copy.
    if (!mine.replaced.includes(rv)) mine.object = undefined;
    return true;
  }

  private mine(obj: KubeObject) {
    const mine = this.written.get(keyOf(obj));
    return mine && mine.uid === obj.metadata.uid ? mine : undefined;
  }

  forget(key: string): void {
    this.written.delete(key);
  }
}

const KEPT = 8;
const keyOf = (o: KubeObject): string => makeKey(o.metadata.namespace, o.metadata.name ?? '');
