import { createHash } from 'node:crypto';
import { makeKey, type KubeObject, type ObjectKey } from './object.js';

/**
 * Ownership across namespaces. Generated Higress objects live in the Higress namespace while our CRs
 * live anywhere, and ownerReferences cannot cross namespaces, so ownership is recorded as labels
 * (selectable, 63-char values) plus annotations carrying the untruncated values.
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'higress-ai-operator';
export const OWNER_KIND_LABEL = 'ai.higress.io/owner-kind';
export const OWNER_NAMESPACE_LABEL = 'ai.higress.io/owner-namespace';
export const OWNER_NAME_LABEL = 'ai.higress.io/owner-name';
/** Annotation with the full owner reference `Kind/namespace/name` (labels may be hashed). */
export const OWNER_ANNOTATION = 'ai.higress.io/owner';

export interface OwnerRef {
  kind: string;
  namespace: string;
  name: string;
}

const LABEL_VALUE_MAX = 63;

/**
 * A valid label value for `value`: unchanged when ≤ 63 chars, else a prefix plus a hash of the whole
 * value, so distinct long names stay distinct. Pure and stable.
 */
export function labelValue(value: string): string {
  if (value.length <= LABEL_VALUE_MAX) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 10);
  // Label values must end with an alphanumeric; the hash does.
  const prefix = value.slice(0, LABEL_VALUE_MAX - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '');
  return `${prefix}-${hash}`;
}

/** `Kind/namespace/name` — the owner annotation value and a stable owner id. */
export function ownerId(owner: OwnerRef): string {
  return `${owner.kind}/${owner.namespace}/${owner.name}`;
}

export function parseOwnerId(id: string): OwnerRef | undefined {
  const parts = id.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  return { kind, namespace, name };
}

/** Labels to put on every object generated for `owner`. */
export function ownerLabels(owner: OwnerRef): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [OWNER_KIND_LABEL]: labelValue(owner.kind),
    [OWNER_NAMESPACE_LABEL]: labelValue(owner.namespace),
    [OWNER_NAME_LABEL]: labelValue(owner.name),
  };
}

export function ownerAnnotations(owner: OwnerRef): Record<string, string> {
  return { [OWNER_ANNOTATION]: ownerId(owner) };
}

/** Label selector matching everything generated for `owner` (for list/informer/cleanup). */
export function ownerSelector(owner: OwnerRef): string {
  return Object.entries(ownerLabels(owner))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Label selector for everything this operator manages. */
export const managedSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** Return `obj` with owner labels and annotation merged into its metadata (does not mutate). */
export function withOwner<T extends KubeObject>(obj: T, owner: OwnerRef): T {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...(obj.metadata.labels ?? {}), ...ownerLabels(owner) },
      annotations: { ...(obj.metadata.annotations ?? {}), ...ownerAnnotations(owner) },
    },
  };
}

/**
 * The owner of a generated object, from the annotation (exact) or, failing that, the labels
 * (exact unless they were hashed). `undefined` for objects we do not manage.
 */
export function ownerOf(obj: KubeObject): OwnerRef | undefined {
  const labels = obj.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) return undefined;
  const ann = obj.metadata.annotations?.[OWNER_ANNOTATION];
  const fromAnn = ann ? parseOwnerId(ann) : undefined;
  if (fromAnn) return fromAnn;
  const kind = labels[OWNER_KIND_LABEL];
  const namespace = labels[OWNER_NAMESPACE_LABEL];
  const name = labels[OWNER_NAME_LABEL];
  return kind && namespace && name ? { kind, namespace, name } : undefined;
}

/**
 * Map a generated object to the work-queue key of its owner if the owner is of `kind` — the
 * secondary-watch mapping function for controllers.
 */
export function ownerKeyFor(kind: string): (obj: KubeObject) => ObjectKey[] {
  return (obj) => {
    const owner = ownerOf(obj);
    return owner && owner.kind === kind ? [makeKey(owner.namespace, owner.name)] : [];
  };
}
