import type { PluginImageOptions } from '../higress/plugins.js';
import { secondaryWatch, type Controller } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { Resources } from '../kube/resources.js';
import { AI_ROUTE_CONFIG_MAP_TYPE } from '../higress/console/ai-route.js';
import { CONFIG_MAP_TYPE_LABEL } from '../higress/console/meta.js';
import type { ConfigMapObject } from './modelpool-objects.js';
import { routersAffectedBy, routersOfRouteMap, routersSharingPool } from './semanticrouter-watches.js';
import { MOUNTED_KINDS, routerMountedRefsOf } from '../reconcilers/mounted-refs.js';
import { mountedCaches } from './workload-mounts.js';
import { routerOwnedSelector, SemanticRouterController, semanticRouterResource, type SemanticRouterObject } from './semanticrouter.js';
import { LocalRouterLocator, type LocalRouterOptions } from './semanticrouter-local.js';
import { addWorkloadController, workloadCaches } from './workload-wiring.js';
import { HttpRouterStatusReader, type RouterLocator, type RouterStatusReader } from './semanticrouter-runtime.js';

export interface RouterOperatorOptions {
  /** Router image when a SemanticRouter names none. */
  defaultImage?: string;
  /** Reads `/status`; default HTTP. */
  reader?: RouterStatusReader;
  /** Where routers run instead of pods. Default: local child processes when ROUTER_LOCAL_PROCESS=1. */
  locator?: RouterLocator;
  /** Options of the default local-process locator (e.g. a fixed upstream instead of the simulator). */
  local?: Omit<LocalRouterOptions, 'log'>;
  concurrency?: number;
  /** Image of a console plugin the operator creates (the operator's `--plugin-image-tag`). */
  pluginImage?: PluginImageOptions;
}

export interface RouterWiring {
  routers: Informer<SemanticRouterObject>;
  controller: Controller<SemanticRouterObject>;
}

/**
 * SetupWithManager for SemanticRouters: informers from the manager (ModelPool and Ingress ones shared with
 * the other controllers) and the Controller, run on the leader only. Stopping it stops local routers too.
 */
export function setupSemanticRouterController(mgr: Manager, options: RouterOperatorOptions = {}): RouterWiring {
  const routers = mgr.informer<SemanticRouterObject>(semanticRouterResource);
  const caches = workloadCaches(mgr, routerOwnedSelector);
  // The same cache ModelPool reads: a route the console rewrote has lost our labels but keeps this one.
  const routeMaps = mgr.gatewayInformer<ConfigMapObject>(Resources.ConfigMap, { labelSelector: `${CONFIG_MAP_TYPE_LABEL}=${AI_ROUTE_CONFIG_MAP_TYPE}` });
  const locator =
    options.locator ??
    (process.env.ROUTER_LOCAL_PROCESS === '1' ? new LocalRouterLocator({ log: mgr.log, client: mgr.client, ...(options.local ?? {}) }) : undefined);
  const events = new EventRecorder(mgr.client, { logger: mgr.log });
  // What the routers' pods need besides their own objects. Its first lists enqueue the routers waiting on them;
  // they run once the caches run, after the reconciler and controller below exist.
  const mounted = mountedCaches(mgr, routers, routerMountedRefsOf, (kind, o) => {
    for (const k of reconciler.routersMounting(kind, o)) controller.enqueue(k);
  });
  const reconciler = new SemanticRouterController({
    client: mgr.client,
    routers,
    ...caches,
    routeMaps,
    mounted,
    reader: options.reader ?? new HttpRouterStatusReader(),
    event: (obj, e) => void events.record(semanticRouterResource, obj, e.type, e.reason, e.message),
    log: mgr.log,
    servedGatewayNamespace: mgr.gatewayNamespace,
    ...(options.defaultImage ? { defaultImage: options.defaultImage } : {}),
    ...(options.pluginImage ? { pluginImage: options.pluginImage } : {}),
    ...(locator ? { locator } : {}),
  });
  const controller = addWorkloadController(mgr, {
    name: 'semanticrouter',
    primary: routers,
    caches,
    ownerKey: SemanticRouterController.ownerKey,
    byPool: (p) => routersAffectedBy(routers.store, p),
    extraSecondaries: [
      secondaryWatch(routeMaps, (cm) => routersOfRouteMap(routers.store, cm)),
      ...MOUNTED_KINDS.map((kind) => secondaryWatch(mounted[kind], (o) => reconciler.routersMounting(kind, o))),
      // Who holds a pool's named-model route depends on the pool's other routers (namedSamplingBefore).
      // Spec and deletion only: status writes (every poll) must not wake the siblings.
      secondaryWatch(
        routers,
        (r) => routersSharingPool(routers.store, r),
        (old, obj) =>
          old.metadata.generation !== obj.metadata.generation || Boolean(old.metadata.deletionTimestamp) !== Boolean(obj.metadata.deletionTimestamp),
      ),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: options.concurrency,
    stopped: async () => {
      await locator?.stopAll?.();
    },
  });
  return { routers, controller };
}
