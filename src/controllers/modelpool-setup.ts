import { AI_ROUTE_CONFIG_MAP_TYPE } from '../higress/console/ai-route.js';
import { CONFIG_MAP_TYPE_LABEL } from '../higress/console/meta.js';
import type { SharedWasmPlugin } from '../higress/console/shared-plugins.js';
import type { PluginImageOptions } from '../higress/plugins.js';
import { Controller, secondaryWatch, specOrDeletionChanged } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Manager } from '../kube/manager.js';
import { MCPBRIDGE_NAME, type McpBridge } from '../kube/mcpbridge.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { managedSelector } from '../kube/owner.js';
import { ReferencedObjects } from '../kube/referenced-objects.js';
import { Resources } from '../kube/resources.js';
import { GATEWAY_PREFIX, ModelPoolController, gatewayNamespaceOf, type ModelPoolObject, type SecretObject } from './modelpool.js';
import { secretNamesOf } from './modelpool-observe.js';
import { aiRouteOwner, type ConfigMapObject } from './modelpool-objects.js';
import { ownedBy, PoolWatches } from './modelpool-watches.js';
import { modelPoolResource } from './resources.js';

export interface ModelPoolSetupOptions {
  concurrency?: number;
  pluginImage?: PluginImageOptions;
  /** Batch window for the per-gateway shared objects (McpBridge, console WasmPlugins); 0 = write at once. */
  gatewayBatchMs?: number;
  /** Render fallback chains as routes + EnvoyFilter redirects (default true); false = retries only. */
  fallbackRoutes?: boolean;
  /** See ModelPoolControllerDeps.pendingStatusDelayMs. */
  pendingStatusDelayMs?: number;
}

/** The Secrets a pool references, as `namespace/name` keys. Pure. */
export function secretsReferencedBy(pool: ModelPoolObject): string[] {
  const ns = pool.metadata.namespace ?? 'default';
  return secretNamesOf(pool).map((n) => makeKey(ns, n));
}

/**
 * kubebuilder's SetupWithManager for ModelPools: the caches it reads, the watches that map events to work
 * items, and the controller (run by the manager on the leader only).
 *
 * Secrets: only those a pool names are cached (one name-scoped watch each, following the pools'
 * references), never every Secret in the cluster. Higress kinds are optional caches: their CRDs may be
 * missing at start, which pools report as a condition instead of the operator never becoming ready.
 * WasmPlugins and EnvoyFilters are watched without a label selector: the console-owned plugins carry no
 * label of ours, and the console rewrites a route's EnvoyFilter without our labels.
 */
export function setupModelPoolController(
  mgr: Manager,
  opts: ModelPoolSetupOptions = {},
): { controller: Controller<ModelPoolObject>; reconciler: ModelPoolController } {
  const pools = mgr.informer<ModelPoolObject>(modelPoolResource);
  const ingresses = mgr.gatewayInformer<KubeObject>(Resources.Ingress, { labelSelector: managedSelector, optional: true });
  const wasmPlugins = mgr.gatewayInformer<SharedWasmPlugin>(Resources.WasmPlugin, { optional: true });
  const mcpBridges = mgr.gatewayInformer<McpBridge>(Resources.McpBridge, { fieldSelector: `metadata.name=${MCPBRIDGE_NAME}`, optional: true });
  const envoyFilters = mgr.gatewayInformer<KubeObject>(Resources.EnvoyFilter, { optional: true });
  const configMaps = mgr.gatewayInformer<ConfigMapObject>(Resources.ConfigMap, { labelSelector: `${CONFIG_MAP_TYPE_LABEL}=${AI_ROUTE_CONFIG_MAP_TYPE}` });

  // Created before the controller that owns the queue; nothing is enqueued before the manager starts it.
  let enqueue: (key: string, priority?: 'normal' | 'low') => void = () => undefined;
  // The Secrets the pools name, followed before any reconcile reads them. Listed and absent is an answer too
  // (SecretNotFound): the pools waiting on it decide now.
  const secrets = mgr.referencedCache<SecretObject, ModelPoolObject>(Resources.Secret, {
    primary: pools,
    refs: secretsReferencedBy,
    required: true,
    onSynced: (key) => {
      const { namespace, name } = parseKey(key);
      for (const k of watches.poolsUsingSecret(namespace, name)) enqueue(k);
    },
  });

  // Higress CRDs installed (or removed) while we run: pools that reported HigressCRDsMissing recover without a
  // restart, and reconciles read CRD presence from here instead of asking. Only these CRDs, by name, are
  // watched — not every CRD in the cluster.
  const crds = new ReferencedObjects<KubeObject>({ client: mgr.client, resource: Resources.CustomResourceDefinition, logger: mgr.log });
  crds.setReferences('modelpool-controller', ModelPoolController.watchedCrds);
  mgr.addCache(crds, { required: false });

  const events = new EventRecorder(mgr.client, { logger: mgr.log });
  const reconciler = new ModelPoolController({
    client: mgr.client,
    pools,
    secrets,
    ingresses,
    wasmPlugins,
    mcpBridges,
    envoyFilters,
    configMaps,
    ...(opts.fallbackRoutes !== undefined ? { fallbackRoutes: opts.fallbackRoutes } : {}),
    ...(opts.pendingStatusDelayMs !== undefined ? { pendingStatusDelayMs: opts.pendingStatusDelayMs } : {}),
    enqueue: (key, priority) => enqueue(key, priority),
    log: mgr.log,
    pluginImage: opts.pluginImage,
    servedGatewayNamespace: mgr.gatewayNamespace,
    crds,
    event: (obj, type, reason, message) => void events.record(modelPoolResource, obj, type, reason, message),
  });
  const watches = new PoolWatches(reconciler, pools);

  const requeueAll = (): void => {
    for (const p of pools.store.list()) {
      enqueue(makeKey(p.metadata.namespace, p.metadata.name));
      enqueue(GATEWAY_PREFIX + gatewayNamespaceOf(p));
    }
  };
  const crdsChanged = (): void => {
    reconciler.crdsChanged();
    for (const i of [wasmPlugins, mcpBridges, envoyFilters]) i.retryNow();
    requeueAll();
    // The gateway item backed off while the Higress caches could not list; an empty first list brings no
    // event, so requeue once they have listed.
    void Promise.all([wasmPlugins.waitForSync(), mcpBridges.waitForSync()]).then(requeueAll, () => undefined);
  };
  crds.addEventHandler({ onAdd: crdsChanged, onDelete: crdsChanged });

  // A change to a shared object may be drift to undo, and may make waiting pools Ready.
  // A version the gateway's last pass settled (its own write) brings back only the pools it may have made Ready:
  // whatever changed since that pass queued the gateway itself (bench:operator, 500 pools: 3-4 passes per apply
  // that re-rendered every pool to find nothing to do).
  const gatewayChanged = (o: KubeObject): string[] => [
    ...(reconciler.gatewaySettled(o) ? [] : [GATEWAY_PREFIX + (o.metadata.namespace ?? '')]),
    ...watches.poolsAffectedBy(o),
  ];
  // A periodic resync re-delivers every pool itself, and a pool reconcile reads its routes and Secrets from the
  // caches: their resyncs mapped to the same pools only ran each pool two or three times more per period
  // (bench:operator, 500 pools: ~1,500 reconciles per resync, competing with every apply).
  const notResync = (o: KubeObject, n: KubeObject): boolean => o !== n;
  const controller = new Controller<ModelPoolObject>({
    name: 'modelpool',
    primary: pools,
    // The event of a pool's own status or finalizer write would only re-read what its reconcile just decided.
    primaryUpdateMatters: (o, n) => o === n || !reconciler.ownWrites.isEcho(n),
    secondaries: [
      // The shared objects depend on pools' specs, not on their status: a pool's status write must not make
      // the gateway re-render all pools of its namespace (quadratic in a burst).
      secondaryWatch(pools, (p) => [GATEWAY_PREFIX + gatewayNamespaceOf(p), ...watches.poolsSharingClassWith(p)], specOrDeletionChanged),
      // A Secret feeds both the pools naming it (their status) and their gateways (tokens in ai-proxy).
      secondaryWatch(
        secrets,
        (s) => {
          const keys = watches.poolsUsingSecret(s.metadata.namespace ?? 'default', s.metadata.name ?? '');
          const gateways = new Set(
            keys.flatMap((k) => {
              const p = pools.store.get(k);
              return p ? [GATEWAY_PREFIX + gatewayNamespaceOf(p)] : [];
            }),
          );
          return [...keys, ...gateways];
        },
        notResync,
      ),
      // The legacy aggregated plugins go once the last `aiop-*` route of the gateway is gone (modelpool-gateway.ts
      // deleteLegacy): that route's deletion event must bring the gateway back, the prune that issued it may have
      // run the gateway while the cache still held the route.
      secondaryWatch(
        ingresses,
        (i) => [...ownedBy(i), ...(i.metadata.name?.startsWith('aiop-') && ownedBy(i).length ? [GATEWAY_PREFIX + (i.metadata.namespace ?? '')] : [])],
        notResync,
      ),
      secondaryWatch(envoyFilters, ownedBy, notResync),
      secondaryWatch(
        configMaps,
        (cm) => {
          const owner = aiRouteOwner(cm);
          return owner?.kind === 'ModelPool' ? [makeKey(owner.namespace, owner.name)] : [];
        },
        notResync,
      ),
      secondaryWatch(wasmPlugins, gatewayChanged),
      secondaryWatch(mcpBridges, gatewayChanged),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: opts.concurrency ?? 8,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    coalesce: { match: (key) => key.startsWith(GATEWAY_PREFIX), windowMs: opts.gatewayBatchMs ?? 0 },
    logger: mgr.log,
  });
  enqueue = (key, priority) => controller.enqueue(key, priority);
  mgr.add(controller);
  return { controller, reconciler };
}
