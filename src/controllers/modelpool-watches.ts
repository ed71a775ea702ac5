import type { SharedWasmPlugin } from '../higress/console/shared-plugins.js';
import type { Informer } from '../kube/informer.js';
import type { McpBridge } from '../kube/mcpbridge.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { ownerKeyFor } from '../kube/owner.js';
import type { ModelPoolController } from './modelpool.js';
import {
  gatewayNamespaceOf,
  ingressClassOf,
  isReadyNow,
  POOL_CLASS_INDEX,
  POOL_GATEWAY_INDEX,
  secretNamesOf,
  type ModelPoolObject,
} from './modelpool-observe.js';

/**
 * The ModelPool controller's informers and the mapping of watched objects to work items.
 * WasmPlugins and EnvoyFilters are watched without a label selector: the console-owned plugins carry no
 * label of ours, and the console rewrites a route's EnvoyFilter without our labels.
 */

const KIND = 'ModelPool';

export const ownedBy = ownerKeyFor(KIND);

export class PoolWatches {
  /** Per shared object (`<gateway>/<kind>/<name>`): the names it held at the last event seen. */
  private readonly lastNames = new Map<string, ReadonlySet<string>>();

  constructor(
    private readonly reconciler: ModelPoolController,
    private readonly pools: Informer<ModelPoolObject>,
  ) {}

  /** Pools in `namespace` that reference Secret `name`. */
  poolsUsingSecret(namespace: string, name: string): string[] {
    return this.pools.store
      .byNamespace(namespace)
      .filter((p) => secretNamesOf(p).includes(name))
      .map((p) => makeKey(namespace, p.metadata.name));
  }

  /** Pools of other gateway namespaces on `pool`'s ingress class: their IngressClass warning depends on it. */
  poolsSharingClassWith(pool: ModelPoolObject): string[] {
    // Only a new, changed or deleted pool can change who shares a class; its status writes cannot.
    const settled = pool.status?.observedGeneration === pool.metadata.generation && !pool.metadata.deletionTimestamp;
    if (settled) return [];
    const gw = gatewayNamespaceOf(pool);
    const cls = ingressClassOf(pool);
    const store = this.pools.store;
    return store
      .indexValues(POOL_CLASS_INDEX)
      .filter((v) => v.slice(v.indexOf('/') + 1) === cls && v.slice(0, v.indexOf('/')) !== gw)
      .flatMap((v) => store.byIndex(POOL_CLASS_INDEX, v))
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  /**
   * Pools to look at again after a shared object changed: those not yet Ready, and Ready ones whose
   * registries or providers (names from their last render) are no longer in the object (drift).
   * Requeueing every pool of the gateway instead would be quadratic in the number of pools.
   */
  poolsAffectedBy(shared: KubeObject): string[] {
    const gw = shared.metadata.namespace ?? '';
    const observer = this.reconciler.observer;
    // A pool still waiting for its share is looked at once the shared objects carry all of it, not on every
    // write of them: a burst's gateway passes each wrote several shared objects, and requeueing all waiting
    // pools on each was quadratic (bench:operator, 500 pools: ~100 reconciles per pool). Checking is cheap
    // (its last render against the per-version index); without a render (spec not parsed) it is requeued.
    // EnvoyFilters count as served here, which can only requeue more pools, never fewer.
    // Only the waiting pools are walked (ModelPoolController.waitingPools): walking every pool of the gateway on
    // every write and resync of every shared object was ~15% of the operator's CPU in bench:operator's paced phase.
    const waiting = this.reconciler.waitingPools(gw);
    const keys = [...waiting].flatMap(([key, p]) => {
      if (p.metadata.deletionTimestamp) return [key]; // finalization waits for the shared objects to drop it
      const render = observer.lastRender(key);
      return !render || observer.waitingFor(render, false) === undefined ? [key] : [];
    });
    return [...new Set([...keys, ...this.readyPoolsMissingFrom(shared)])];
  }

  /**
   * Ready pools whose registries (McpBridge) or providers (ai-proxy) are gone from `shared`. Only when the object
   * lost names since the version this saw last: a pool whose names were all there then was either checked on
   * the event that removed one, or is not Ready yet (another generation); most writes only add or rewrite.
   */
  private readyPoolsMissingFrom(shared: KubeObject): string[] {
    const gw = shared.metadata.namespace ?? '';
    const observer = this.reconciler.observer;
    let namesOf: (key: string) => readonly string[];
    if (shared.kind === 'McpBridge') namesOf = (key) => observer.lastRender(key)?.registries.map((r) => r.name) ?? [];
    else if (shared.metadata.name === 'ai-proxy.internal') namesOf = (key) => observer.lastRender(key)?.providerIds ?? [];
    else return [];
    const present = namesIn(shared);
    const id = `${gw}/${shared.kind ?? ''}/${shared.metadata.name ?? ''}`;
    const before = this.lastNames.get(id);
    this.lastNames.set(id, present);
    if (before === present || (before && [...before].every((n) => present.has(n)))) return [];
    return this.pools.store
      .byIndex(POOL_GATEWAY_INDEX, gw)
      .filter((p) => isReadyNow(p) && !p.metadata.deletionTimestamp)
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name))
      .filter((key) => namesOf(key).some((n) => !present.has(n)));
  }
}

/** Registry names of an McpBridge, provider ids of ai-proxy (per object: resyncs deliver the same one again). */
const names = new WeakMap<KubeObject, ReadonlySet<string>>();
function namesIn(shared: KubeObject): ReadonlySet<string> {
  let found = names.get(shared);
  if (found) return found;
  if (shared.kind === 'McpBridge') found = new Set(((shared as McpBridge).spec?.registries ?? []).map((r) => r.name));
  else {
    const providers = (shared as SharedWasmPlugin).spec?.defaultConfig?.providers;
    found = new Set(Array.isArray(providers) ? (providers as { id?: unknown }[]).map((p) => String(p.id)) : []);
  }
  names.set(shared, found);
  return found;
}
