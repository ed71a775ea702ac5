import type { V1ObjectMeta } from '@kubernetes/client-node';

/** Any Kubernetes object as the kit sees it: typed metadata, everything else opaque. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
}

/** A Secret or ConfigMap as read: its keys (values base64 in a Secret's `data`, in a ConfigMap's `binaryData`). */
export interface DataObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** `namespace/name` (or `name` for cluster-scoped objects) — the work-queue key format. */
export type ObjectKey = string;

export interface NamespacedName {
  namespace: string;
  name: string;
}

/** Key of an object, controller-runtime style: `namespace/name`, or `name` when cluster-scoped. */
export function keyOf(obj: { metadata?: V1ObjectMeta | undefined }): ObjectKey {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function makeKey(namespace: string | undefined, name: string): ObjectKey {
  return namespace ? `${namespace}/${name}` : name;
}

/** Inverse of {@link keyOf}; `namespace` is `''` for cluster-scoped keys. */
export function parseKey(key: ObjectKey): NamespacedName {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Deep structural equality for JSON values (what objects read from the API server are). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/** JSON with object keys sorted recursively, so equal values serialize identically (hashing). */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v === undefined ? null : v)).join(',')}]`;
  const rec = value as Record<string, unknown>;
  const parts = Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(rec[k])}`);
  return `{${parts.join(',')}}`;
}
