import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { Controller, secondaryWatch } from '../kube/controller.js';
import type { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import type { IngressObject, ModelPoolObject } from './modelpool.js';
import { Deployments, PersistentVolumeClaims, type WorkloadObject } from './ragpipeline.js';
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
}

export interface RouterWiring {
  routers: Informer<SemanticRouterObject>;
  informers: Informer<KubeObject>[];
  controller: Controller<SemanticRouterObject>;
  stop(): Promise<void>;
}

/** Informers and the Controller for SemanticRouters, so src/operator.ts only adds one call. */
export function startSemanticRouterController(deps: {
  client: KubeClient;
  resyncPeriodMs: number;
  logger: Logger;
  pools: Informer<ModelPoolObject>;
  ingresses: Informer<IngressObject>;
  events: EventRecorder;
  options: RouterOperatorOptions;
}): RouterWiring {
  const common = { client: deps.client, resyncPeriodMs: deps.resyncPeriodMs, logger: deps.logger };
  const routers = new Informer<SemanticRouterObject>({ ...common, resource: semanticRouterResource });
  const owned = (resource: typeof Deployments) => new Informer<WorkloadObject>({ ...common, resource, labelSelector: routerOwnedSelector });
  const deployments = owned(Deployments);
  const configMaps = owned(Resources.ConfigMap);
  const services = owned(Resources.Service);
  const pvcs = owned(PersistentVolumeClaims);
  const locator =
    deps.options.locator ??
    (process.env.ROUTER_LOCAL_PROCESS === '1' ? new LocalRouterLocator({ log: deps.logger, ...(deps.options.local ?? {}) }) : undefined);
  const reconciler = new SemanticRouterController({
    client: deps.client,
    routers,
    deployments,
    configMaps,
    services,
    pvcs,
    ingresses: deps.ingresses,
    pools: deps.pools,
    reader: deps.options.reader ?? new HttpRouterStatusReader(),
    event: (obj, e) => void deps.events.record(semanticRouterResource, obj, e.type, e.reason, e.message),
    log: deps.logger,
    ...(deps.options.defaultImage ? { defaultImage: deps.options.defaultImage } : {}),
    ...(locator ? { locator } : {}),
  });
  const controller = new Controller<SemanticRouterObject>({
    name: 'semanticrouter',
    primary: routers,
    secondaries: [
      ...[deployments, configMaps, services, pvcs].map((i) => secondaryWatch(i, SemanticRouterController.ownerKey)),
      secondaryWatch(deps.ingresses, SemanticRouterController.ownerKey),
      secondaryWatch(deps.pools, (p) => reconciler.routersAffectedBy(p)),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: deps.options.concurrency ?? 4,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: deps.logger,
  });
  controller.start();
  const informers = [routers, deployments, configMaps, services, pvcs] as unknown as Informer<KubeObject>[];
  const stop = async (): Promise<void> => {
    await controller.stop();
    await locator?.stopAll?.();
  };
  return { routers, informers, controller, stop };
}
