import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { makeKey } from '../kube/object.js';
import { aiRouteOwner, type ConfigMapObject } from './modelpool-objects.js';
import { gatewayNamespaceOf, type ModelPoolObject } from './modelpool.js';
import type { SemanticRouterObject } from './semanticrouter.js';

/** Which SemanticRouters an event on a watched object concerns (the secondary watches of semanticrouter-wiring.ts). */

interface RouterStore {
  list(): SemanticRouterObject[];
}

const keyOf = (r: SemanticRouterObject) => makeKey(r.metadata.namespace ?? 'default', r.metadata.name);

/** A pool change (model removed, price changed) reaches every router of its namespace: names on the gateway matter too. */
export function routersAffectedBy(routers: RouterStore, pool: ModelPoolObject): string[] {
  const gw = gatewayNamespaceOf(pool);
  return routers
    .list()
    .filter((r) => (r.metadata.namespace === pool.metadata.namespace && r.spec.poolRef.name === pool.metadata.name) || r.spec.gateway?.namespace === gw)
    .map(keyOf);
}

/**
 * The router a console AI route ConfigMap belongs to: its owner mark, or — rewritten by the console after a
 * HiMarket approval, without any mark — the router whose last status lists it as generated.
 */
export function routersOfRouteMap(routers: RouterStore, cm: ConfigMapObject): string[] {
  const owner = aiRouteOwner(cm);
  if (owner) return owner.kind === 'SemanticRouter' ? [makeKey(owner.namespace, owner.name)] : [];
  const ns = cm.metadata.namespace ?? '';
  return routers
    .list()
    .filter((r) => (r.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE) === ns)
    .filter((r) => r.status?.generatedObjects?.some((o) => o.kind === 'ConfigMap' && o.namespace === ns && o.name === cm.metadata.name))
    .map(keyOf);
}

/**
 * The other routers of a router's pool: one of them holds the pool's named-model route (the oldest that samples
 * named traffic), so a router that opts in or out, or goes, changes who holds it.
 */
export function routersSharingPool(routers: RouterStore, router: SemanticRouterObject): string[] {
  const self = keyOf(router);
  return routers
    .list()
    .filter((r) => r.metadata.namespace === router.metadata.namespace && r.spec.poolRef?.name === router.spec.poolRef?.name)
    .map(keyOf)
    .filter((k) => k !== self);
}
