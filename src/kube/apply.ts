import { createHash } from 'node:crypto';
import { FIELD_MANAGER, type KubeClient } from './client.js';
import { stableStringify, type KubeObject } from './object.js';
import { ownerSelector, type OwnerRef } from './owner.js';
import type { ResourceType } from './resources.js';

/** Hash of the desired state last applied; equal hash + no drift ⇒ no write. */
export const APPLIED_HASH_ANNOTATION = 'ai.higress.io/applied-hash';

/** Per desired object: renders are cached and their objects compared with the cluster on every reconcile. */
const hashes = new WeakMap<KubeObject, string>();

/** Hash of everything we set on an object (minus server-owned metadata and the hash itself). Pure (memoised per object; treat `desired` as immutable). */
export function desiredHash(desired: KubeObject): string {
  const memo = hashes.get(desired);
  if (memo !== undefined) return memo;
  const { annotations, labels, name, namespace } = desired.metadata;
  const ann = { ...(annotations ?? {}) };
  delete ann[APPLIED_HASH_ANNOTATION];
  const { metadata: _m, status: _s, ...rest } = desired as KubeObject & { status?: unknown };
  const canonical = stableStringify({ rest, metadata: { name, namespace, labels: labels ?? {}, annotations: ann } });
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  hashes.set(desired, hash);
  return hash;
}

/** `desired` with its hash annotation set (does not mutate). */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  return {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...(desired.metadata.annotations ?? {}), [APPLIED_HASH_ANNOTATION]: desiredHash(desired) } },
  };
}

/**
 * True when every value in `desired` is present and equal in `observed` (extra observed fields —
 * server defaults, other managers' fields — are allowed; arrays must match element by element). Pure.
 */
export function isSubset(desired: unknown, observed: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== 'object') return desired === observed;
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && desired.length === observed.length && desired.every((d, i) => isSubset(d, observed[i]));
  }
  if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
  const o = observed as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, o[k]));
}

export type ApplyReason = 'Missing' | 'Changed' | 'Drifted' | 'UpToDate';

/**
 * Decide whether `desired` must be applied over `observed`: `Missing` (absent), `Changed` (hash
 * annotation differs: our desired state moved), `Drifted` (someone edited a field we own),
 * `UpToDate` (no write). Pure.
 */
export function applyDecision(desired: KubeObject, observed: KubeObject | undefined): ApplyReason {
  if (!observed) return 'Missing';
  if (observed.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== desiredHash(desired)) return 'Changed';
  const { metadata, status: _s, ...spec } = desired as KubeObject & { status?: unknown };
  const drifted =
    !isSubset(spec, observed) ||
    !isSubset(metadata.labels ?? {}, observed.metadata.labels ?? {}) ||
    !isSubset(metadata.annotations ?? {}, observed.metadata.annotations ?? {});
  return drifted ? 'Drifted' : 'UpToDate';
}

export interface ApplyOptions {
  /** Current object, e.g. from an informer cache; when omitted it is read with a GET. */
  observed?: KubeObject | undefined;
  /** Use `observed` even when undefined (cache says absent) instead of reading. */
  trustObservedAbsence?: boolean;
  fieldManager?: string;
  /** Take over fields other managers own (default true: generated objects are ours). */
  force?: boolean;
}

export interface ApplyResult<T> {
  written: boolean;
  reason: ApplyReason;
  object: T | undefined;
}

/**
 * Server-side apply `desired` (with its hash annotation) unless the observed object is already up
 * to date — the steady state performs zero writes.
 */
export async function applyIfChanged<T extends KubeObject>(client: KubeClient, rt: ResourceType, desired: T, opts: ApplyOptions = {}): Promise<ApplyResult<T>> {
  const observed = opts.observed ?? (opts.trustObservedAbsence ? undefined : await client.get<T>(rt, desired.metadata.name ?? '', desired.metadata.namespace));
  const reason = applyDecision(desired, observed);
  if (reason === 'UpToDate') return { written: false, reason, object: observed as T };
  const object = await client.apply<T>(rt, withAppliedHash(desired), {
    fieldManager: opts.fieldManager ?? FIELD_MANAGER,
    force: opts.force ?? true,
  });
  return { written: true, reason, object };
}

/** Delete when present; `false` if it was already gone. */
export function deleteIfExists(client: KubeClient, rt: ResourceType, name: string, namespace?: string): Promise<boolean> {
  return client.delete(rt, name, namespace);
}

/**
 * Delete objects of `rt` in `namespace` generated for `owner` whose names are not in `keep`
 * (stale outputs after a spec change, or everything on owner deletion with an empty `keep`).
 * `existing` may come from a cache; otherwise they are listed by owner labels. Returns deleted names.
 */
export async function pruneOwned(
  client: KubeClient,
  rt: ResourceType,
  namespace: string,
  owner: OwnerRef,
  keep: ReadonlySet<string>,
  existing?: readonly KubeObject[],
): Promise<string[]> {
  const objs = existing ?? (await client.list(rt, { namespace, labelSelector: ownerSelector(owner) })).items;
  const deleted: string[] = [];
  for (const o of objs) {
    const name = o.metadata.name;
    if (!name || keep.has(name)) continue;
    if (await client.delete(rt, name, namespace, o.metadata.uid ? { preconditions: { uid: o.metadata.uid } } : {})) deleted.push(name);
  }
  return deleted;
}
