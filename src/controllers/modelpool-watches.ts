import type { SharedWasmPlugin } from '../higress/console/shared-plugins.js';
import type { Informer } from '../kube/informer.js';
import type { McpBridge } from '../kube/mcpbridge.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { ownerKeyFor } from '../kube/owner.js';
import type { ModelPoolController } from './modelpool.js';
import { gatewayNamespaceOf, ingressClassOf, POOL_CLASS_INDEX, POOL_GATEWAY_INDEX, secretNamesOf, type ModelPoolObject } from './modelpool-observe.js';

/**
 * The ModelPool controller's informers and the mapping of watched objects to work items.
 * WasmPlugins and EnvoyFilters are watched without a label selector: the console-owned plugins carry no
 * label of ours, and the console rewrites a route's EnvoyFilter without our labels.
 */

const KIND = 'ModelPool';

export const ownedBy = ownerKeyFor(KIND);

export class PoolWatches {
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
    let present: Set<string> | undefined;
    let namesOf: ((key: string) => string[]) | undefined;
    if (shared.kind === 'McpBridge') {
      present = new Set(((shared as McpBridge).spec?.registries ?? []).map((r) => r.name));
      namesOf = (key) => this.reconciler.observer.lastRender(key)?.registries.map((r) => r.name) ?? [];
    } else if (shared.metadata.name === 'ai-proxy.internal') {
      const providers = (shared as SharedWasmPlugin).spec?.defaultConfig?.providers;
      present = new Set(Array.isArray(providers) ? (providers as { id?: unknown }[]).map((p) => String(p.id)) : []);
      namesOf = (key) => this.reconciler.observer.lastRender(key)?.providerIds ?? [];
    }
    const observer = this.reconciler.observer;
    // A pool still waiting for its share is looked at once the shared objects carry all of it, not on every
    // write of them: a burst's gateway passes each wrote several shared objects, and requeueing all waiting
    // pools on each was quadratic (bench:operator, 500 pools: ~100 reconciles per pool). Checking is cheap
    // (its last render against the per-version index); without a render (spec not parsed) it is requeued.
    // EnvoyFilters count as served here, which can only requeue more pools, never fewer.
    const mayBeReady = (key: string) => {
      const render = observer.lastRender(key);
      return !render || observer.waitingFor(render, false) === undefined;
    };
    return this.pools.store
      .byIndex(POOL_GATEWAY_INDEX, gw)
      .map((p) => ({ p, key: makeKey(p.metadata.namespace, p.metadata.name) }))
      .filter(({ p, key }) => {
        if (p.metadata.deletionTimestamp) return true; // finalization waits for the shared objects to drop it
        return isReadyNow(p) ? present && namesOf && namesOf(key).some((n) => !present.has(n)) : mayBeReady(key);
      })
      .map(({ key }) => key);
  }
}

function isReadyNow(pool: ModelPoolObject): boolean {
  const generation = pool.metadata.generation;
  return pool.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === generation) ?? false;
}
