import type { Informer } from '../kube/informer.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import type { PoolRender } from '../reconcilers/modelpool.js';
import type { ObjectError } from '../reconcilers/modelpool-status.js';
import { derivedNames, ROUTE_OWNER_INDEX } from './modelpool-objects.js';
import type { ModelPoolObject } from './modelpool-observe.js';

/**
 * What a pool reconcile decides from, remembered after a reconcile that found nothing to change, so that the next
 * delivery with the same inputs returns at once. bench:operator's resync (every 10 s) re-delivers all 500 pools;
 * each re-ran the whole reconcile (spec parse, render check, drift comparison of every own object, prune, status
 * decision) to write nothing, and those reconciles competed with every apply on the one JS thread.
 *
 * Compared by identity where the caches allow it (a cached object is immutable; a new version is a new object),
 * so a snapshot costs lookups, not serialization:
 * - the pool: uid and resourceVersion (spec, generation, status, finalizers, deletion);
 * - its render (spec, referenced Secrets, route grants, fallback mode: `PoolObserver.render` keeps the object
 *   while they hold) and the cached Secrets and route ConfigMaps that render read;
 * - every object of its own in the caches: the render's ConfigMaps, Ingresses and EnvoyFilters, whatever the
 *   owner index holds for it (prune candidates), and the derived objects of its routes — an edit or a deletion
 *   of any of them (drift) is a new object or none;
 * - CRD presence, the fallback mode, its shared-object and route conflicts, its gateway's error, and the other
 *   gateways on its ingress class.
 * The shared objects are not inputs: the gateway rewrites them for every apply, and a Ready pool only needs them to
 * still carry its share, which the caller checks on every delivery (`PoolObserver.waitingFor`, per-version index).
 */

export interface OwnCaches {
  configMaps: Informer<KubeObject>;
  ingresses: Informer<KubeObject>;
  envoyFilters: Informer<KubeObject>;
}

export interface PoolInputs {
  pool: ModelPoolObject;
  render: PoolRender;
  /** What the render read (PoolObserver.renderInputs). */
  renderInputs: readonly unknown[];
  crds: { missing: readonly string[]; envoyFilters: boolean };
  fallback: string;
  sharedConflicts: unknown;
  routeConflicts: unknown;
  gatewayError: ObjectError | undefined;
  ingressClassSharedWith: readonly string[];
}

/** A flat snapshot of a pool's inputs, compared element by element with `===`. Element 1 is the pool's resourceVersion. */
export type Snapshot = readonly unknown[];

export function snapshotOf(caches: OwnCaches, x: PoolInputs): Snapshot {
  const { render } = x;
  const gw = render.gatewayNamespace;
  const get = (informer: Informer<KubeObject>, name: string | undefined) => informer.store.get(makeKey(gw, name ?? ''));
  const owned = `${gw}/${render.ownerId}`;
  const ownedConfigMaps = caches.configMaps.store.byIndex(ROUTE_OWNER_INDEX, owned);
  return [
    x.pool.metadata.uid,
    x.pool.metadata.resourceVersion,
    render,
    ...x.renderInputs,
    x.crds.missing.join(','),
    x.crds.envoyFilters,
    x.fallback,
    x.sharedConflicts,
    x.routeConflicts,
    x.gatewayError,
    x.ingressClassSharedWith.join(','),
    '|rendered',
    ...render.configMaps.map((o) => get(caches.configMaps, o.metadata.name)),
    ...render.ingresses.map((o) => get(caches.ingresses, o.metadata.name)),
    ...render.envoyFilters.map((o) => get(caches.envoyFilters, o.metadata.name)),
    '|owned',
    ...ownedConfigMaps,
    ...caches.ingresses.store.byIndex(ROUTE_OWNER_INDEX, owned),
    ...caches.envoyFilters.store.byIndex(ROUTE_OWNER_INDEX, owned),
    '|derived',
    ...ownedConfigMaps.flatMap((cm) => derivedNames(cm.metadata.name ?? '').flatMap((n) => [get(caches.ingresses, n), get(caches.envoyFilters, n)])),
  ];
}

export class ReconcileMemo {
  private readonly settled = new Map<string, Snapshot>();

  /** True when the last reconcile of `key` that changed nothing saw exactly these inputs. */
  unchanged(key: string, snapshot: Snapshot): boolean {
    const last = this.settled.get(key);
    if (!last || last.length !== snapshot.length) return false;
    for (let i = 0; i < last.length; i++) if (last[i] !== snapshot[i]) return false;
    return true;
  }

  /**
   * A full reconcile of `key` that started from `snapshot` left nothing to do but, perhaps, the status write that
   * produced `written`: the pool's next version carries that status, and the same inputs decide the same status.
   */
  record(key: string, snapshot: Snapshot, written?: ModelPoolObject): void {
    this.settled.set(key, written ? [snapshot[0], written.metadata.resourceVersion, ...snapshot.slice(2)] : snapshot);
  }

  forget(key: string): void {
    this.settled.delete(key);
  }
}
