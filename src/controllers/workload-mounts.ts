import type { EventSource } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { MOUNTED_KINDS, mountedRefError as refError, type MountedKind, type MountedRef, type MountReason } from '../reconcilers/mounted-refs.js';
import { makeKey, parseKey, type DataObject, type KubeObject, type ObjectKey } from '../kube/object.js';
import type { ReferencedObjects } from '../kube/referenced-objects.js';
import { Resources, type ResourceType } from '../kube/resources.js';

/** One name-scoped watch per referenced object and kind (never every Secret, ConfigMap or claim of the cluster). */
export type MountedCaches = Record<MountedKind, ReferencedObjects<DataObject>>;

const RESOURCES: Record<MountedKind, ResourceType> = {
  Secret: Resources.Secret,
  ConfigMap: Resources.ConfigMap,
  PersistentVolumeClaim: Resources.PersistentVolumeClaim,
};

/**
 * The caches of what `primary` objects mount, following `refsOf` as they come, change and go. Each object's first
 * list (found or absent: absence is an answer) calls `enqueueMounting`, which enqueues the primaries it concerns.
 */
export function mountedCaches<P extends KubeObject>(
  mgr: Manager,
  primary: EventSource<P>,
  refsOf: (p: P) => readonly MountedRef[],
  enqueueMounting: (kind: MountedKind, o: KubeObject) => void,
): MountedCaches {
  const cache = (kind: MountedKind) =>
    mgr.referencedCache<DataObject, P>(RESOURCES[kind], {
      primary,
      refs: (p) =>
        refsOf(p)
          .filter((r) => r.kind === kind)
          .map((r) => makeKey(p.metadata.namespace, r.name)),
      required: true,
      onSynced: (key) => enqueueMounting(kind, { metadata: parseKey(key) }),
    });
  return Object.fromEntries(MOUNTED_KINDS.map((kind) => [kind, cache(kind)])) as MountedCaches;
}

/** Keys of the primaries (in `o`'s namespace) whose refs name `o` as `kind`. */
export function primariesMounting<P extends KubeObject>(
  primaries: readonly P[],
  refsOf: (p: P) => readonly MountedRef[],
  kind: MountedKind,
  o: KubeObject,
): ObjectKey[] {
  return primaries
    .filter((p) => p.metadata.namespace === o.metadata.namespace && refsOf(p).some((r) => r.kind === kind && r.name === o.metadata.name))
    .map((p) => makeKey(p.metadata.namespace, p.metadata.name ?? ''));
}

/** Whether every referenced object has been listed (its absence from the cache then means it does not exist). */
export function mountsListed(caches: MountedCaches, refs: readonly MountedRef[], namespace: string): boolean {
  return refs.every((r) => caches[r.kind].isSynced(makeKey(namespace, r.name)));
}

/** The first object the pods need that is missing (mounted-refs.ts), read from the caches. */
export function mountedRefError(caches: MountedCaches, refs: readonly MountedRef[], namespace: string): { reason: MountReason; message: string } | undefined {
  return refError(refs, (r) => caches[r.kind].store.get(makeKey(namespace, r.name)), namespace);
}
