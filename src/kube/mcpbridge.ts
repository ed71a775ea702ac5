import type { KubeClient } from './client.js';
import { isAlreadyExists, isConflict } from './errors.js';
import { jsonEqual, makeKey, type KubeObject } from './object.js';
import { OwnWrites } from './own-writes.js';
import { ownerId as toOwnerId, type OwnerRef } from './owner.js';
import { ownersUpdate, parseOwners } from './owners-record.js';
import { Resources, type ResourceType } from './resources.js';
import { mark, now, round, TIMELINE, tracing } from './timeline.js';
import { backoffDelay } from './workqueue.js';
import { ReasonError } from '../util/errors.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { byCodeUnit } from '../util/order.js';

/** Higress only reads the McpBridge with this name (reference §1.2). */
export const MCPBRIDGE_NAME = 'default';
export { DEFAULT_HIGRESS_NAMESPACE };
/**
 * Owners record `{registryName: "Kind/namespace/name"}` on McpBridge/default (format: src/kube/owners-record.ts)
 * recording which registries we own. Entries not in it belong to someone else (console, humans) and are never touched.
 */
export const REGISTRY_OWNERS_ANNOTATION = 'ai.higress.io/registry-owners';

/** One `spec.registries[]` entry; fields beyond `name` pass through untouched. */
export interface Registry {
  name: string;
  type: string;
  domain?: string;
  port?: number;
  protocol?: string;
  sni?: string;
  [field: string]: unknown;
}

export interface McpBridge extends KubeObject {
  spec?: { registries?: Registry[]; [field: string]: unknown };
}

export class McpBridgeError extends ReasonError<'RegistryNameConflict' | 'McpBridgeConflictRetriesExhausted'> {}

export type MergeResult =
  { ok: true; changed: boolean; registries: Registry[]; owners: Record<string, string> } | { ok: false; reason: 'RegistryNameConflict'; message: string };

/**
 * Merge `desired` registries of `owner` into `current`. Pure.
 * - entries owned by `owner` and not desired are removed;
 * - desired entries replace ours in place (order kept) or are appended;
 * - entries we do not own are kept as they are; a desired name equal to a foreign entry or to
 *   another owner's entry is a `RegistryNameConflict` (never clobbered);
 * - owner records for vanished registries are dropped.
 */
export function mergeRegistries(
  current: readonly Registry[],
  owners: Readonly<Record<string, string>>,
  owner: string,
  desired: readonly Registry[],
): MergeResult {
  const present = new Set(current.map((r) => r.name));
  const nextOwners: Record<string, string> = {};
  for (const [name, o] of Object.entries(owners)) if (present.has(name)) nextOwners[name] = o;
  const want = new Map(desired.map((r) => [r.name, r]));
  for (const r of current) {
    if (want.has(r.name) && nextOwners[r.name] !== owner) {
      const holder = nextOwners[r.name] ?? 'an unmanaged entry';
      return { ok: false, reason: 'RegistryNameConflict', message: `McpBridge registry ${r.name} already belongs to ${holder}` };
    }
  }
  const registries: Registry[] = [];
  for (const r of current) {
    if (nextOwners[r.name] !== owner) registries.push(r);
    else if (want.has(r.name)) {
      registries.push(want.get(r.name)!);
      want.delete(r.name);
    } else delete nextOwners[r.name];
  }
  for (const r of [...want.values()].sort((a, b) => byCodeUnit(a.name, b.name))) {
    registries.push(r);
    nextOwners[r.name] = owner;
  }
  const changed = !jsonEqual(registries, current) || !jsonEqual(nextOwners, owners);
  return { ok: true, changed, registries, owners: nextOwners };
}

export interface SyncRegistriesOptions {
  /** Higress namespace. Default `DEFAULT_HIGRESS_NAMESPACE`. */
  namespace?: string;
  owner: OwnerRef;
  /** The full set of registries `owner` wants; `[]` removes all of its entries. */
  registries: readonly Registry[];
  /** A cached McpBridge/default (e.g. from an informer) to try first; a conflict falls back to a GET. */
  cached?: McpBridge | undefined;
  maxAttempts?: number;
}

export interface SyncRegistriesResult {
  written: boolean;
  attempts: number;
}

// Reconciles of different owners in one process would otherwise race each other into 409s.
const locks = new Map<string, Promise<unknown>>();

/** Run `fn` after every earlier call with the same key. */
export function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return run;
}

/**
 * Per shared object: the objects our writes returned and the versions they were merged onto. A cached copy still
 * at such a version has not seen our write yet (its watch event is in flight): writing onto it is a certain 409,
 * then a GET and a second write of an object that grows with every pool (bench:operator: a burst's gateway passes
 * follow each other faster than the watch delivers their writes). One {@link OwnWrites} per resource type.
 */
const ownWrites = new Map<string, OwnWrites<KubeObject>>();

function writesOf(rt: ResourceType): OwnWrites<KubeObject> {
  let writes = ownWrites.get(rt.plural);
  if (!writes) ownWrites.set(rt.plural, (writes = new OwnWrites()));
  return writes;
}

/**
 * The resourceVersion the next read-merge-write of this object would merge onto, given the cached copy: the
 * object our last write returned while the cache has not caught up, else the cached one (undefined: absent).
 */
export function versionToMerge(rt: ResourceType, namespace: string, name: string, cached: KubeObject | undefined): string | undefined {
  return cached ? writesOf(rt).newest(cached).metadata.resourceVersion : undefined;
}

/**
 * The cached copy of a shared object, or the object our own last write of it returned while the cache still holds
 * a version that write replaced. That object is the API server's own answer for the version it stored, so reading
 * it is observing the cluster, not assuming a write landed: readiness checks can use it before the watch event of
 * a large object (bench:operator, 500 pools: 250–500 KB each) arrives. A later write by someone else shows in the
 * cache (a version we did not replace) and wins.
 */
export function newestShared<T extends KubeObject>(rt: ResourceType, cached: T | undefined): T | undefined {
  return cached ? (writesOf(rt).newest(cached) as T) : undefined;
}

/** What {@link ReadMergeWriteOptions.merge} answers when the shared object itself should go. */
export const REMOVE: unique symbol = Symbol('remove');

export interface ReadMergeWriteOptions<T extends KubeObject> {
  rt: ResourceType;
  name: string;
  namespace: string;
  /** A cached copy (informer) tried first; a 409 falls back to a GET. */
  cached?: T | undefined;
  maxAttempts?: number | undefined;
  /**
   * The object to write given the observed one, undefined when nothing changes, or {@link REMOVE} to delete the
   * observed object (only if it is still that version). May throw to stop.
   */
  merge(observed: T | undefined): T | undefined | typeof REMOVE;
  /** The error to throw when every attempt met a conflict. */
  exhausted(attempts: number): Error;
  /**
   * Called once the object holds the merge: with the version written, or the version observed when nothing had
   * to change (undefined: absent and nothing to create). Not called after a delete or a throw.
   */
  settled?: ((version: string | undefined) => void) | undefined;
}

/**
 * Optimistic read-merge-write of one object shared with other writers (McpBridge/default, the console's
 * WasmPlugins): creates it when absent, re-reads and merges again on 409, serialized per object within
 * the process. True when something was written (or deleted).
 */
export function readMergeWrite<T extends KubeObject>(client: KubeClient, opts: ReadMergeWriteOptions<T>): Promise<boolean> {
  const maxAttempts = opts.maxAttempts ?? 10;
  const key = `${opts.rt.plural}/${opts.namespace}/${opts.name}`;
  return serialized(key, async () => {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const observed = attempt === 1 && opts.cached ? (writesOf(opts.rt).newest(opts.cached) as T) : await client.get<T>(opts.rt, opts.name, opts.namespace);
      const mergeStart = TIMELINE ? now() : 0;
      const next = opts.merge(observed);
      if (tracing()) mark('merge', { object: key, attempt, ms: round(now() - mergeStart), write: next !== undefined });
      if (!next) {
        opts.settled?.(observed?.metadata.resourceVersion);
        return false;
      }
      try {
        if (next === REMOVE) {
          if (!observed) return false;
          // Someone who wrote after our read (the console adding a provider) wins: 409, read again.
          const { uid, resourceVersion } = observed.metadata;
          writesOf(opts.rt).forget(makeKey(opts.namespace, opts.name));
          return await client.delete(opts.rt, opts.name, opts.namespace, {
            preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
          });
        }
        const written = observed ? await client.update<T>(opts.rt, next) : await client.create<T>(opts.rt, next);
        if (observed) writesOf(opts.rt).record(observed, written);
        opts.settled?.(written.metadata.resourceVersion);
        return true;
      } catch (e) {
        if (!isConflict(e) && !isAlreadyExists(e)) throw e;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt - 1, { baseDelayMs: 10, maxDelayMs: 500, jitter: 1 })));
      }
    }
    throw opts.exhausted(maxAttempts);
  });
}

/**
 * Read-merge-write of `owner`'s entries in the shared McpBridge/default: creates the bridge when
 * missing, keeps entries we do not own, writes nothing when already converged, and retries on 409
 * with a fresh read (optimistic concurrency via resourceVersion).
 */
export function syncRegistries(client: KubeClient, opts: SyncRegistriesOptions): Promise<SyncRegistriesResult> {
  return syncRegistrySets(client, { ...opts, desired: new Map([[toOwnerId(opts.owner), opts.registries]]) });
}

/** Remove every registry `owner` put into McpBridge/default (owner deletion). */
export function removeRegistries(client: KubeClient, opts: Omit<SyncRegistriesOptions, 'registries'>): Promise<SyncRegistriesResult> {
  return syncRegistries(client, { ...opts, registries: [] });
}

export interface SyncRegistrySetsOptions extends Omit<SyncRegistriesOptions, 'owner' | 'registries'> {
  /** Full desired entries per owner id (`Kind/namespace/name`). */
  desired: ReadonlyMap<string, readonly Registry[]>;
  /** Owners recorded on the bridge but absent from `desired` for which this returns true lose all their entries. */
  release?: (ownerId: string) => boolean;
  /** See {@link ReadMergeWriteOptions.settled}. */
  settled?: ((version: string | undefined) => void) | undefined;
}

/**
 * The batched form of {@link syncRegistries}: converge many owners' entries with ONE read-merge-write,
 * so N owners cost one write instead of N serialized ones.
 */
export function syncRegistrySets(client: KubeClient, opts: SyncRegistrySetsOptions): Promise<SyncRegistriesResult> {
  const namespace = opts.namespace ?? DEFAULT_HIGRESS_NAMESPACE;
  return syncOnce(client, namespace, opts);
}

/**
 * Merge many owners' desired entries in ONE pass (the per-owner {@link mergeRegistries} loop was
 * quadratic in the number of owners). Same rules: foreign entries stay where they are; an owner's
 * entries are replaced in place, dropped when no longer desired, new ones appended in name order;
 * a desired name held by someone else is a conflict. Owners absent from `desired` for which
 * `release` is true lose all their entries. Pure.
 */
export function mergeRegistrySets(
  current: readonly Registry[],
  owners: Readonly<Record<string, string>>,
  desired: ReadonlyMap<string, readonly Registry[]>,
  release: (ownerId: string) => boolean = () => false,
): MergeResult {
  const present = new Set(current.map((r) => r.name));
  const nextOwners: Record<string, string> = {};
  for (const [name, o] of Object.entries(owners)) if (present.has(name)) nextOwners[name] = o;
  const inScope = (o: string | undefined) => o !== undefined && (desired.has(o) || release(o));
  const want = new Map<string, { owner: string; registry: Registry }>();
  for (const [owner, regs] of desired) for (const registry of regs) want.set(registry.name, { owner, registry });

  for (const r of current) {
    const w = want.get(r.name);
    if (w && nextOwners[r.name] !== w.owner) {
      const holder = nextOwners[r.name] ?? 'an unmanaged entry';
      return { ok: false, reason: 'RegistryNameConflict', message: `McpBridge registry ${r.name} already belongs to ${holder}` };
    }
  }
  let changed = false;
  const registries: Registry[] = [];
  for (const r of current) {
    if (!inScope(nextOwners[r.name])) {
      registries.push(r);
      continue;
    }
    const w = want.get(r.name);
    if (w) {
      changed ||= !jsonEqual(w.registry, r);
      registries.push(w.registry);
      want.delete(r.name);
    } else {
      changed = true;
      delete nextOwners[r.name];
    }
  }
  for (const [name, w] of [...want].sort(([a], [b]) => byCodeUnit(a, b))) {
    changed = true;
    registries.push(w.registry);
    nextOwners[name] = w.owner;
  }
  changed ||= Object.keys(nextOwners).length !== Object.keys(owners).length;
  return { ok: true, changed, registries, owners: nextOwners };
}

async function syncOnce(client: KubeClient, namespace: string, opts: SyncRegistrySetsOptions): Promise<SyncRegistriesResult> {
  let attempts = 0;
  const written = await readMergeWrite<McpBridge>(client, {
    rt: Resources.McpBridge,
    name: MCPBRIDGE_NAME,
    namespace,
    cached: opts.cached,
    maxAttempts: opts.maxAttempts,
    settled: opts.settled,
    exhausted: (n) =>
      new McpBridgeError('McpBridgeConflictRetriesExhausted', `McpBridge ${namespace}/${MCPBRIDGE_NAME}: still conflicting after ${n} attempts`),
    merge: (observed) => {
      attempts++;
      const ownersText = observed?.metadata.annotations?.[REGISTRY_OWNERS_ANNOTATION];
      const merged = mergeRegistrySets(observed?.spec?.registries ?? [], parseOwners(ownersText), opts.desired, opts.release);
      if (!merged.ok) throw new McpBridgeError(merged.reason, merged.message);
      const owners = ownersUpdate(ownersText, merged.owners);
      if (!merged.changed && !owners.changed) return undefined;
      const annotations = { ...(observed?.metadata.annotations ?? {}), [REGISTRY_OWNERS_ANNOTATION]: owners.text };
      return observed
        ? { ...observed, metadata: { ...observed.metadata, annotations }, spec: { ...(observed.spec ?? {}), registries: merged.registries } }
        : { metadata: { name: MCPBRIDGE_NAME, namespace, annotations }, spec: { registries: merged.registries } };
    },
  });
  return { written, attempts };
}
