import type { PluginImageOptions } from '../higress/plugins.js';
import { Controller, secondaryWatch } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { managedSelector } from '../kube/owner.js';
import { Resources } from '../kube/resources.js';
import { AI_ROUTE_CONFIG_MAP_TYPE } from '../higress/console/ai-route.js';
import { CONFIG_MAP_TYPE_LABEL } from '../higress/console/meta.js';
import type { ModelPoolObject } from './modelpool.js';
import type { ConfigMapObject } from './modelpool-objects.js';
import { routersAffectedBy, routersOfRouteMap } from './semanticrouter-watches.js';
import type { IngressObject } from './ragpipeline.js';
import { Deployments, PersistentVolumeClaims, type WorkloadObject } from './ragpipeline.js';
import { modelPoolResource } from './resources.js';
import { routerOwnedSelector, SemanticRouterController, semanticRouterResource, type SemanticRouterObject } from './semanticrouter.js';
import { LocalRouterLocator, type LocalRouterOptions } from './semanticrouter-local.js';
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
  const pools = mgr.informer<ModelPoolObject>(modelPoolResource);
  const ingresses = mgr.gatewayInformer<IngressObject>(Resources.Ingress, { labelSelector: managedSelector, optional: true });
  const owned = (resource: typeof Deployments) => mgr.informer<WorkloadObject>(resource, { labelSelector: routerOwnedSelector, optional: true });
  const deployments = owned(Deployments);
  const configMaps = owned(Resources.ConfigMap);
  // The same cache ModelPool reads: a route the console rewrote has lost our labels but keeps this one.
  const routeMaps = mgr.gatewayInformer<ConfigMapObject>(Resources.ConfigMap, { labelSelector: `${CONFIG_MAP_TYPE_LABEL}=${AI_ROUTE_CONFIG_MAP_TYPE}` });
  const services = owned(Resources.Service);
  const pvcs = owned(PersistentVolumeClaims);
  const locator =
    options.locator ?? (process.env.ROUTER_LOCAL_PROCESS === '1' ? new LocalRouterLocator({ log: mgr.log, ...(options.local ?? {}) }) : undefined);
  const events = new EventRecorder(mgr.client, { logger: mgr.log });
  const reconciler = new SemanticRouterController({
    client: mgr.client,
    routers,
    deployments,
    configMaps,
    routeMaps,
    services,
    pvcs,
    ingresses,
    pools,
    reader: options.reader ?? new HttpRouterStatusReader(),
    event: (obj, e) => void events.record(semanticRouterResource, obj, e.type, e.reason, e.message),
    log: mgr.log,
    servedGatewayNamespace: mgr.gatewayNamespace,
    ...(options.defaultImage ? { defaultImage: options.defaultImage } : {}),
    ...(options.pluginImage ? { pluginImage: options.pluginImage } : {}),
    ...(locator ? { locator } : {}),
  });
  const controller = new Controller<SemanticRouterObject>({
    name: 'semanticrouter',
    primary: routers,
    secondaries: [
      ...[deployments, configMaps, services, pvcs].map((i) => secondaryWatch(i, SemanticRouterController.ownerKey)),
      secondaryWatch(ingresses, SemanticRouterController.ownerKey),
      secondaryWatch(routeMaps, (cm) => routersOfRouteMap(routers.store, cm)),
      secondaryWatch(pools, (p) => routersAffectedBy(routers.store, p)),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: options.concurrency ?? 4,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: mgr.log,
  });
  mgr.add({
    start: () => controller.start(),
    stop: async () => {
      await controller.stop();
      await locator?.stopAll?.();
    },
  });
  return { routers, controller };
}
