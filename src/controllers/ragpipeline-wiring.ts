import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { Controller, secondaryWatch } from '../kube/controller.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import type { ModelPoolObject } from './modelpool.js';
import {
  type IngressObject,
  Deployments,
  PersistentVolumeClaims,
  RagPipelineController,
  ragOwnedSelector,
  type RagPipelineObject,
  type RuntimeLocator,
  type WorkloadObject,
} from './ragpipeline.js';
import { LocalProcessLocator } from './ragpipeline-local.js';
import { GatewayMcpSwitch } from './ragpipeline-mcp.js';
import { HttpRuntimeProbe, type RuntimeProbe } from './ragpipeline-runtime.js';
import { ragPipelineResource } from './resources.js';

export interface RagOperatorOptions {
  /** Runtime image when a pipeline names none. */
  defaultImage?: string;
  /** Reads tools/stats from available runtimes; default MCP over HTTP, `false` to skip. */
  probe?: RuntimeProbe | false;
  /** Local-process mode: where runtimes run instead of pods. Default: child processes when RAG_LOCAL_PROCESS=1. */
  locator?: RuntimeLocator;
  concurrency?: number;
  /**
   * Opt-in: set `mcpServer.enable: true` in the gateway's `higress-config` when it is off (the MCP Ingress
   * annotations do nothing without it). Off by default: it switches a gateway-wide filter on.
   */
  enableGatewayMcpServer?: boolean;
}

export interface RagWiring {
  pipelines: Informer<RagPipelineObject>;
  informers: Informer<KubeObject>[];
  controller: Controller<RagPipelineObject>;
  stop(): Promise<void>;
}

/**
 * Informers and the Controller for RagPipelines, started here so src/operator.ts only adds one call. The
 * ModelPool and Ingress informers are the operator's own (shared, not duplicated); the caller starts and
 * stops the returned informers with its own.
 */
export function startRagPipelineController(deps: {
  client: KubeClient;
  resyncPeriodMs: number;
  logger: Logger;
  pools: Informer<ModelPoolObject>;
  ingresses: Informer<IngressObject>;
  options: RagOperatorOptions;
}): RagWiring {
  const common = { client: deps.client, resyncPeriodMs: deps.resyncPeriodMs, logger: deps.logger };
  const pipelines = new Informer<RagPipelineObject>({ ...common, resource: ragPipelineResource });
  const owned = (resource: typeof Deployments) => new Informer<WorkloadObject>({ ...common, resource, labelSelector: ragOwnedSelector });
  const deployments = owned(Deployments);
  const configMaps = owned(Resources.ConfigMap);
  const services = owned(Resources.Service);
  const pvcs = owned(PersistentVolumeClaims);
  const locator =
    deps.options.locator ?? (process.env.RAG_LOCAL_PROCESS === '1' ? new LocalProcessLocator({ client: deps.client, log: deps.logger }) : undefined);
  const probe = deps.options.probe === false ? undefined : (deps.options.probe ?? new HttpRuntimeProbe());
  const reconciler = new RagPipelineController({
    client: deps.client,
    pipelines,
    deployments,
    configMaps,
    services,
    pvcs,
    ingresses: deps.ingresses,
    pools: deps.pools,
    log: deps.logger,
    ...(deps.options.defaultImage ? { defaultImage: deps.options.defaultImage } : {}),
    ...(probe ? { probe } : {}),
    ...(locator ? { locator } : {}),
    mcpSwitch: new GatewayMcpSwitch(deps.client, { enable: deps.options.enableGatewayMcpServer }),
  });
  const controller = new Controller<RagPipelineObject>({
    name: 'ragpipeline',
    primary: pipelines,
    secondaries: [
      ...[deployments, configMaps, services, pvcs].map((i) => secondaryWatch(i, RagPipelineController.ownerKey)),
      secondaryWatch(deps.ingresses, RagPipelineController.ownerKey),
      secondaryWatch(deps.pools, (p) => reconciler.pipelinesUsingPool(p)),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: deps.options.concurrency ?? 4,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: deps.logger,
  });
  controller.start();
  const informers = [pipelines, deployments, configMaps, services, pvcs] as unknown as Informer<KubeObject>[];
  const stop = async (): Promise<void> => {
    await controller.stop();
    await locator?.stopAll?.();
  };
  return { pipelines, informers, controller, stop };
}
