import type { KubeClient } from './client.js';
import type { KubeObject } from './object.js';
import type { ResourceType } from './resources.js';

/** Our finalizer: generated objects in other namespaces must be cleaned up before a CR goes. */
export const FINALIZER = 'ai.higress.io/cleanup';

export function hasFinalizer(obj: KubeObject, finalizer: string = FINALIZER): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

export function isBeingDeleted(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/**
 * Add `finalizer` unless present (then no request). Merge patch carrying the observed
 * resourceVersion, so a concurrent change fails with 409 `Conflict` instead of losing a finalizer
 * someone else added.
 */
export async function addFinalizer<T extends KubeObject>(client: KubeClient, rt: ResourceType, obj: T, finalizer: string = FINALIZER): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  return patchFinalizers(client, rt, obj, [...(obj.metadata.finalizers ?? []), finalizer]);
}

/** Remove `finalizer` if present (else no request); same optimistic locking as {@link addFinalizer}. */
export async function removeFinalizer<T extends KubeObject>(client: KubeClient, rt: ResourceType, obj: T, finalizer: string = FINALIZER): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  return patchFinalizers(
    client,
    rt,
    obj,
    (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer),
  );
}

function patchFinalizers<T extends KubeObject>(client: KubeClient, rt: ResourceType, obj: T, finalizers: string[]): Promise<T> {
  const patch = { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } };
  return client.patch<T>(rt, obj.metadata.name ?? '', obj.metadata.namespace, patch, 'merge');
}
