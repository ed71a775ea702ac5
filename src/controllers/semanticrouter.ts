import type { Logger } from 'pino';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import { semanticRouterCrd, semanticRouterSpecSchema, type SemanticRouter, type SemanticRouterStatus } from '../api/v1alpha1/semanticrouter.js';
import type { KubeClient } from '../kube/client.js';
import { READY, setCondition, writeStatus, type ConditionInput } from '../kube/conditions.js';
import type { ReconcileResult } from '../kube/controller.js';
import { isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_KIND_LABEL, ownerId, ownerKeyFor, type OwnerRef } from '../kube/owner.js';
import { customResource } from '../kube/resources.js';
import { renderSemanticRouter } from '../reconcilers/semanticrouter.js';
import { consoleName, NAMED_ROUTE_SUFFIX } from '../reconcilers/semanticrouter-gateway.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { semanticRouterStatus, type RouterEvent } from '../reconcilers/semanticrouter-status.js';
import { gatewayNamespaceOf, requireListed, type ModelPoolObject } from './modelpool.js';
import type { ConfigMapObject } from './modelpool-objects.js';
import type { IngressObject, WorkloadObject } from './ragpipeline.js';
import { RouterPoller } from './semanticrouter-poll.js';
import { gatewaysListed, generatedBefore, RouterObjects } from './semanticrouter-objects.js';
import type { RouterLocator, RouterStatusReader } from './semanticrouter-runtime.js';
import { routerMountedRefs, routerMountedRefsOf, type MountedKind } from '../reconcilers/mounted-refs.js';
import { mountedRefError, mountsListed, primariesMounting, type MountedCaches } from './workload-mounts.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import type { PluginImageOptions } from '../higress/plugins.js';

/**
 * The SemanticRouter controller, a thin shell: render (pure), apply (semanticrouter-objects.ts), observe the
 * runtime and poll its `/status` when due (semanticrouter-poll.ts), compute status (pure,
 * semanticrouter-status.ts), write it and the events it implies. Watches: semanticrouter-watches.ts.
 */

const KIND = 'SemanticRouter';
export const semanticRouterResource = customResource(API_GROUP, API_VERSION, semanticRouterCrd.kind, semanticRouterCrd.plural);
export const routerOwnedSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${OWNER_KIND_LABEL}=${KIND}`;
export type SemanticRouterObject = SemanticRouter & KubeObject;

export interface SemanticRouterControllerDeps {
  client: KubeClient;
  routers: Informer<SemanticRouterObject>;
  deployments: Informer<WorkloadObject>;
  /** Owned ConfigMaps (the router config). */
  configMaps: Informer<WorkloadObject>;
  /** Console AI route ConfigMaps of the gateway namespaces (label `higress.io/config-map-type: ai-route`). */
  routeMaps: Informer<ConfigMapObject>;
  services: Informer<WorkloadObject>;
  pvcs: Informer<WorkloadObject>;
  ingresses: Informer<IngressObject>;
  pools: Informer<ModelPoolObject>;
  /** What the routers' pods need besides their own objects (Secrets, claims), one name-scoped watch each. */
  mounted: MountedCaches;
  reader: RouterStatusReader;
  locator?: RouterLocator;
  event(obj: KubeObject, e: RouterEvent): void;
  log: Logger;
  defaultImage?: string;
  /** Image of a console plugin the operator creates because the console has not (as for ModelPool). */
  pluginImage?: PluginImageOptions | undefined;
  now?: () => number;
  /** The one gateway namespace the caches cover (src/kube/manager.ts gatewayNamespace); undefined = all. */
  servedGatewayNamespace?: string | undefined;
}

export class SemanticRouterController {
  private readonly poller: RouterPoller;
  private readonly objects: RouterObjects;

  constructor(private readonly deps: SemanticRouterControllerDeps) {
    this.poller = new RouterPoller({ deployments: deps.deployments, reader: deps.reader, locator: deps.locator, now: deps.now ?? Date.now });
    this.objects = new RouterObjects(deps);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    try {
      return await this.reconcileRouter(key);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) {
        this.deps.log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
        return;
      }
      throw err;
    }
  }

  static readonly ownerKey = ownerKeyFor(KIND);

  private async reconcileRouter(key: string): Promise<ReconcileResult | void> {
    const { client } = this.deps;
    const router = this.deps.routers.store.get(key);
    if (!router) return void this.poller.forget(key);
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    const { deployments, configMaps, routeMaps, services, pvcs, ingresses, pools, routers } = this.deps;
    const caches = [deployments, configMaps, routeMaps, services, pvcs, ingresses, pools, routers];
    requireListed(caches, 'the router');
    if (isBeingDeleted(router)) return this.finalize(router, owner);
    const current = hasFinalizer(router) ? router : await addFinalizer(client, semanticRouterResource, router);

    const parsed = semanticRouterSpecSchema.safeParse(current.spec);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await this.write(current, current.status ?? {}, [{ type: READY, status: 'False', reason: 'InvalidSpec', message }]);
      return;
    }
    const spec = parsed.data;
    const gw = spec.gateway.namespace;
    const before = generatedBefore(current.status);
    // Moved (spec.gateway.namespace): what it held in the gateway its last status names goes, as on deletion.
    const left = [...gatewaysListed(current.status)].filter((old) => old !== gw);
    for (const old of left) await this.objects.release(owner, old, before, gw);
    const notServed = gatewayNamespaceNotServed(gw, this.deps.servedGatewayNamespace, 'router');
    if (notServed) {
      // Released above: its status no longer lists gateway objects (so they are not released again on every pass).
      const generatedObjects = current.status?.generatedObjects?.filter((o) => o.namespace === namespace);
      return this.write(current, { ...current.status, ...(generatedObjects ? { generatedObjects } : {}) }, [notServed]);
    }
    // Not listed yet: wait (onSynced enqueues us) rather than report an object missing that is only unread.
    const mountRefs = routerMountedRefs(spec);
    if (!mountsListed(this.deps.mounted, mountRefs, namespace)) return;
    const mountError = mountedRefError(this.deps.mounted, mountRefs, namespace);
    const pool = this.deps.pools.store.get(makeKey(namespace, spec.poolRef.name));
    const gatewayModelNames = new Set(
      this.deps.pools.store
        .list()
        .filter((p) => gatewayNamespaceOf(p) === gw)
        .flatMap((p) => [...p.spec.models.map((m) => m.name), ...(p.spec.alias ? [p.spec.alias] : [])]),
    );
    const { render, issues } = renderSemanticRouter({
      router: { ...current, spec },
      pool: pool?.spec,
      gatewayModelNames,
      claimedVirtualModels: this.claimedBefore(current, gw),
      namedSamplingHeldBy: pool ? this.namedSamplingBefore(current, pool) : undefined,
      routeAuth: this.objects.routeAuth(owner, gw, [...spec.virtualModels.map((v) => consoleName(owner, v)), consoleName(owner, NAMED_ROUTE_SUFFIX)], before),
      ...(this.deps.defaultImage ? { defaultImage: this.deps.defaultImage } : {}),
    });
    const applied = render ? await this.objects.apply(render, owner, before) : undefined;

    const seen = await this.poller.observe(key, render, spec, mountError?.message);
    const result = semanticRouterStatus({
      render,
      issues,
      observed: {
        runtimeAvailable: seen.runtimeAvailable,
        runtimeMessage: seen.runtimeMessage,
        lastStatus: seen.memory.lastStatus,
        failures: seen.memory.failures,
        lastError: seen.memory.lastError,
        lastPolled: seen.memory.lastPolled,
      },
      previous: current.status,
      pollIntervalMs: spec.statusPollSeconds * 1000,
      mountError,
      applyError: applied?.error,
      provider: applied?.provider,
    });
    const requeueAfterMs = this.poller.settle(key, seen, result.requeueAfterMs);
    await this.write(current, { ...result.status, ...(seen.endpoint ? { endpoint: seen.endpoint } : {}) }, result.conditions);
    for (const e of result.events) this.deps.event(current, e);
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  /** Routers whose pods need this Secret or claim (it appeared, changed or went away). */
  routersMounting(kind: MountedKind, o: KubeObject): string[] {
    return primariesMounting(this.deps.routers.store.byNamespace(o.metadata.namespace ?? 'default'), routerMountedRefsOf, kind, o);
  }

  /** Virtual names served by SemanticRouters on the same gateway that were created before this one. */
  private claimedBefore(router: SemanticRouterObject, gw: string): Map<string, string> {
    const mine = `${String(router.metadata.creationTimestamp ?? '')}/${router.metadata.namespace}/${router.metadata.name}`;
    const claimed = new Map<string, string>();
    for (const other of this.deps.routers.store.list()) {
      const theirs = `${String(other.metadata.creationTimestamp ?? '')}/${other.metadata.namespace}/${other.metadata.name}`;
      if (theirs >= mine || (other.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE) !== gw) continue;
      for (const v of other.spec.virtualModels ?? ['auto'])
        claimed.set(v, ownerId({ kind: KIND, namespace: other.metadata.namespace ?? 'default', name: other.metadata.name }));
    }
    return claimed;
  }

  /**
   * An older SemanticRouter on the same pool that samples its named models through the gateway: the oldest
   * holds the named-model route (creation time, then namespace/name, as Higress orders Ingresses,
   * `SortIngressByCreationTime` in pkg/ingress/kube/common/tool.go). Routers whose flywheel samples nothing do
   * not hold it (namedSampling in the reconciler renders no route for them).
   */
  private namedSamplingBefore(router: SemanticRouterObject, pool: ModelPoolObject): string | undefined {
    const order = (o: SemanticRouterObject) => `${String(o.metadata.creationTimestamp ?? '')}/${o.metadata.namespace}/${o.metadata.name}`;
    const mine = order(router);
    const poolGateway = gatewayNamespaceOf(pool);
    const holders = this.deps.routers.store
      .list()
      .filter((o) => o.metadata.namespace === router.metadata.namespace && o.spec.poolRef?.name === pool.metadata.name && order(o) < mine && !isBeingDeleted(o))
      .filter((o) => {
        // The same conditions as namedSampling in the reconciler: only a router that renders the route holds it.
        const fw = o.spec.flywheel;
        const gateway = o.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE;
        return fw?.sampleNamedModels === true && fw.mode !== 'off' && fw.sampleRate !== 0 && gateway === poolGateway;
      })
      .sort((a, b) => (order(a) < order(b) ? -1 : 1));
    const first = holders[0];
    return first ? ownerId({ kind: KIND, namespace: first.metadata.namespace ?? 'default', name: first.metadata.name }) : undefined;
  }

  private async finalize(router: SemanticRouterObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(router)) return;
    const gw = router.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE;
    await this.objects.release(owner, gw, generatedBefore(router.status));
    await this.deps.locator?.release(owner);
    this.poller.forget(makeKey(owner.namespace, owner.name));
    await removeFinalizer(this.deps.client, semanticRouterResource, router);
  }

  private async write(router: SemanticRouterObject, parts: Partial<SemanticRouterStatus>, conditions: ConditionInput[]): Promise<void> {
    const generation = router.metadata.generation;
    let list = router.status?.conditions;
    for (const c of conditions) list = setCondition(list, { ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
    const publish = router.status?.publish; // owned by the HiMarket publish controller
    const status: SemanticRouterStatus = {
      ...parts,
      ...(publish ? { publish } : {}),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: list ?? [],
    };
    await writeStatus(this.deps.client, semanticRouterResource, router, status);
  }
}
