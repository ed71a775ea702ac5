import type { Logger } from 'pino';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import { semanticRouterCrd, semanticRouterSpecSchema, type SemanticRouter, type SemanticRouterStatus } from '../api/v1alpha1/semanticrouter.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { READY, setCondition, writeStatus, type ConditionInput } from '../kube/conditions.js';
import type { ReconcileResult } from '../kube/controller.js';
import { isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { removeRegistries, syncRegistries } from '../kube/mcpbridge.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_KIND_LABEL, ownerId, ownerKeyFor, ownerOf, type OwnerRef } from '../kube/owner.js';
import { customResource, Resources, type ResourceType } from '../kube/resources.js';
import { runtimeReadiness } from '../reconcilers/ragpipeline.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { renderSemanticRouter, type RouterRender } from '../reconcilers/semanticrouter.js';
import { consoleName as renderedProviderId } from '../reconcilers/semanticrouter-gateway.js';
import { semanticRouterStatus, type RouterEvent } from '../reconcilers/semanticrouter-status.js';
import { errorMessage } from '../util/errors.js';
import { CachesNotSyncedError, gatewayNamespaceOf, type ModelPoolObject } from './modelpool.js';
import type { IngressObject } from './ragpipeline.js';
import { Deployments, PersistentVolumeClaims, type WorkloadObject } from './ragpipeline.js';
import { deploymentView, type PollMemory, type RouterLocator, type RouterStatusReader } from './semanticrouter-runtime.js';
import { syncRouterProvider, type ProviderSync } from './semanticrouter-provider.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { CONSOLE_PLUGINS, syncSharedPlugin, type ConsolePluginName, type PluginShare } from '../higress/console/shared-plugins.js';
import type { PluginImageOptions } from '../higress/plugins.js';

/**
 * The SemanticRouter controller, a thin shell: render (pure), apply, poll the router's `/status` when due,
 * compute status (pure, semanticrouter-status.ts), write it and the events it implies. A poll that fails is
 * remembered and retried with backoff; Ready only turns False after several in a row.
 */

const KIND = 'SemanticRouter';
export const semanticRouterResource = customResource(API_GROUP, API_VERSION, semanticRouterCrd.kind, semanticRouterCrd.plural);
export const routerOwnedSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${OWNER_KIND_LABEL}=${KIND}`;
export type SemanticRouterObject = SemanticRouter & KubeObject;

export interface SemanticRouterControllerDeps {
  client: KubeClient;
  routers: Informer<SemanticRouterObject>;
  deployments: Informer<WorkloadObject>;
  /** Owned ConfigMaps: the router config and the console AI route ConfigMaps. */
  configMaps: Informer<WorkloadObject>;
  services: Informer<WorkloadObject>;
  pvcs: Informer<WorkloadObject>;
  ingresses: Informer<IngressObject>;
  pools: Informer<ModelPoolObject>;
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
  private readonly memory = new Map<string, PollMemory>();
  private readonly now: () => number;

  constructor(private readonly deps: SemanticRouterControllerDeps) {
    this.now = deps.now ?? Date.now;
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

  /** A pool change (model removed, price changed) reaches every router of its namespace: names on the gateway matter too. */
  routersAffectedBy(pool: ModelPoolObject): string[] {
    const gw = gatewayNamespaceOf(pool);
    return this.deps.routers.store
      .list()
      .filter((r) => (r.metadata.namespace === pool.metadata.namespace && r.spec.poolRef.name === pool.metadata.name) || r.spec.gateway?.namespace === gw)
      .map((r) => makeKey(r.metadata.namespace ?? 'default', r.metadata.name));
  }

  private async reconcileRouter(key: string): Promise<ReconcileResult | void> {
    const { client } = this.deps;
    const router = this.deps.routers.store.get(key);
    if (!router) return void this.memory.delete(key);
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    const caches = [this.deps.deployments, this.deps.configMaps, this.deps.services, this.deps.pvcs, this.deps.ingresses, this.deps.pools, this.deps.routers];
    if (!caches.every((i) => i.hasSynced())) throw new CachesNotSyncedError('object caches have not synced yet; the router waits');
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
    const notServed = gatewayNamespaceNotServed(gw, this.deps.servedGatewayNamespace, 'router');
    if (notServed) return this.write(current, current.status ?? {}, [notServed]);
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
      ...(this.deps.defaultImage ? { defaultImage: this.deps.defaultImage } : {}),
    });
    const applied = render ? await this.applyAll(render, owner) : undefined;

    // Availability: the local process in local mode, else what the deployment controller reported.
    let endpoint = render?.endpoint;
    let runtimeAvailable = false;
    let runtimeMessage = 'not rendered: see PoolResolved';
    if (render && this.deps.locator?.replacesDeployment) {
      endpoint = await this.deps.locator.endpointFor(render);
      runtimeAvailable = endpoint !== undefined;
      runtimeMessage = endpoint ? `router runs as a local process at ${endpoint}` : 'local router process is not running';
    } else if (render) {
      const d = this.deps.deployments.store.get(makeKey(namespace, render.deployment.metadata.name));
      const readiness = runtimeReadiness(spec.replicas, d ? deploymentView(d) : undefined);
      runtimeAvailable = readiness.ready.status === 'True';
      runtimeMessage = readiness.ready.message;
    }
    const memory = this.memory.get(key) ?? { failures: 0, nextPollAt: 0 };
    const due = runtimeAvailable && endpoint !== undefined && this.now() >= memory.nextPollAt;
    if (due && endpoint) await this.poll(memory, endpoint);
    const pollIntervalMs = spec.statusPollSeconds * 1000;
    const previous = current.status;
    const result = semanticRouterStatus({
      render,
      issues,
      observed: {
        runtimeAvailable,
        runtimeMessage,
        lastStatus: memory.lastStatus,
        failures: memory.failures,
        lastError: memory.lastError,
        lastPolled: memory.lastPolled,
      },
      previous,
      pollIntervalMs,
      applyError: applied?.error,
      provider: applied?.provider,
    });
    if (due) memory.nextPollAt = this.now() + result.requeueAfterMs;
    this.memory.set(key, memory);
    await this.write(current, { ...result.status, ...(endpoint ? { endpoint } : {}) }, result.conditions);
    for (const e of result.events) this.deps.event(current, e);
    return runtimeAvailable ? { requeueAfterMs: Math.max(50, memory.nextPollAt - this.now()) } : undefined;
  }

  private async poll(memory: PollMemory, endpoint: string): Promise<void> {
    try {
      memory.lastStatus = await this.deps.reader.read(endpoint);
      memory.lastPolled = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      memory.failures = 0;
      delete memory.lastError;
    } catch (err) {
      memory.failures++;
      memory.lastError = errorMessage(err);
    }
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

  /** Apply every rendered object; the first failure becomes the Ready reason (the others are still tried). */
  private async applyAll(render: RouterRender, owner: OwnerRef): Promise<{ error?: { reason: string; message: string }; provider: ProviderSync }> {
    const { client } = this.deps;
    const cached = (i: Informer<WorkloadObject> | Informer<IngressObject>) => i as unknown as Informer<KubeObject>;
    const items: [ResourceType, KubeObject, Informer<KubeObject>][] = [
      [Resources.ConfigMap, render.configMap, cached(this.deps.configMaps)],
      [PersistentVolumeClaims, render.pvc, cached(this.deps.pvcs)],
      [Deployments, render.deployment, cached(this.deps.deployments)],
      [Resources.Service, render.service, cached(this.deps.services)],
      ...render.gateway.routes.flatMap((r): [ResourceType, KubeObject, Informer<KubeObject>][] => [
        [Resources.ConfigMap, r.configMap, cached(this.deps.configMaps)],
        [Resources.Ingress, r.ingress as unknown as KubeObject, cached(this.deps.ingresses)],
      ]),
    ];
    let error: { reason: string; message: string } | undefined;
    const fail = (kind: string, where: string, err: unknown) =>
      (error ??= { reason: `${kind}${reasonOf(err)}`, message: `${kind} ${where}: ${errorMessage(err)}` });
    for (const [rt, desired, informer] of items) {
      const where = `${desired.metadata.namespace}/${desired.metadata.name}`;
      try {
        await applyIfChanged(client, rt, desired, {
          observed: informer.store.get(makeKey(desired.metadata.namespace ?? '', desired.metadata.name ?? '')),
          trustObservedAbsence: true,
        });
      } catch (err) {
        fail(rt.kind, where, err);
      }
    }
    try {
      await syncRegistries(client, { namespace: render.gatewayNamespace, owner, registries: [{ ...render.gateway.registry }] });
    } catch (err) {
      fail('McpBridge', `${render.gatewayNamespace}/default`, err);
    }
    // A removed virtual model (or a moved gateway) leaves console routes behind.
    const keep = new Set(
      render.gateway.routes.flatMap((r) => [
        `${render.gatewayNamespace}/${r.configMap.metadata.name}`,
        `${render.gatewayNamespace}/${r.ingress.metadata.name}`,
      ]),
    );
    await this.pruneGateway(owner, (o) => !keep.has(`${o.metadata.namespace}/${o.metadata.name}`));
    const g = render.gateway;
    for (const [plugin, share] of Object.entries(g.shares) as [ConsolePluginName, PluginShare][]) {
      try {
        const { conflicts } = await this.sharePlugin(render.gatewayNamespace, plugin, new Map([[ownerId(owner), share]]));
        const conflict = conflicts.get(ownerId(owner));
        if (conflict) error ??= { reason: 'NameConflict', message: conflict };
      } catch (err) {
        fail('WasmPlugin', `${render.gatewayNamespace}/${plugin}`, err);
      }
    }
    const provider = await syncRouterProvider(client, {
      namespace: render.gatewayNamespace,
      owner: ownerId(owner),
      providerId: g.providerId,
      entry: { provider: g.provider, rule: g.providerRule },
    }).catch((err: unknown): ProviderSync => ({ result: 'conflict', message: errorMessage(err) }));
    return { ...(error ? { error } : {}), provider };
  }

  /** Our share of one console plugin; `release` drops what we hold there (finalizer). */
  private sharePlugin(namespace: string, plugin: ConsolePluginName, desired: ReadonlyMap<string, PluginShare>, release?: (owner: string) => boolean) {
    return syncSharedPlugin(this.deps.client, {
      namespace,
      plugin: CONSOLE_PLUGINS[plugin],
      desired,
      ...(release ? { release } : {}),
      image: this.deps.pluginImage,
    });
  }

  private async pruneGateway(owner: OwnerRef, stale: (o: KubeObject) => boolean): Promise<void> {
    const id = ownerId(owner);
    const mine = (o: KubeObject) => {
      const ref = ownerOf(o);
      return ref !== undefined && ownerId(ref) === id && stale(o);
    };
    for (const i of this.deps.ingresses.store.list().filter(mine))
      await pruneOwned(this.deps.client, Resources.Ingress, i.metadata.namespace ?? '', owner, new Set(), [i]);
    const routeMaps = this.deps.configMaps.store.list().filter((c) => c.metadata.name.startsWith('ai-route-') && mine(c));
    for (const c of routeMaps) await pruneOwned(this.deps.client, Resources.ConfigMap, c.metadata.namespace, owner, new Set(), [c]);
  }

  private async finalize(router: SemanticRouterObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(router)) return;
    // Workload objects carry ownerReferences (garbage collection); gateway objects live in another namespace.
    await this.pruneGateway(owner, () => true);
    const gw = router.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE;
    await removeRegistries(this.deps.client, { namespace: gw, owner }).catch((err: unknown) =>
      this.deps.log.warn({ router: ownerId(owner), err: errorMessage(err) }, 'McpBridge registry not removed'),
    );
    const id = ownerId(owner);
    // Seed rules (statistics, key-auth) of our routes go with the routes; model-router's global header stays (pools share it).
    for (const plugin of ['ai-statistics-2.0.1', 'key-auth.internal'] as const) {
      try {
        if (await this.deps.client.get(Resources.WasmPlugin, plugin, gw)) await this.sharePlugin(gw, plugin, new Map(), (o) => o === id);
      } catch (err) {
        this.deps.log.warn({ router: id, plugin, err: errorMessage(err) }, 'console plugin rules not removed');
      }
    }
    const providerId = renderedProviderId(owner);
    await syncRouterProvider(this.deps.client, { namespace: gw, owner: id, providerId }).catch(() => undefined);
    await this.deps.locator?.release(owner);
    this.memory.delete(makeKey(owner.namespace, owner.name));
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
