import { secondaryWatch, type Controller } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { RagPipelineController, ragOwnedSelector, type RagPipelineObject, type RuntimeLocator } from './ragpipeline.js';
import { MOUNTED_KINDS, ragMountedRefsOf } from '../reconcilers/mounted-refs.js';
import { mountedCaches } from './workload-mounts.js';
import { LocalProcessLocator } from './ragpipeline-local.js';
import { GatewayMcpSwitch } from './ragpipeline-mcp.js';
import { HttpRuntimeProbe, type RuntimeProbe } from './ragpipeline-runtime.js';
import { ragPipelineResource } from './resources.js';
import { addWorkloadController, workloadCaches } from './workload-wiring.js';

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
  controller: Controller<RagPipelineObject>;
}

/**
 * kubebuilder's SetupWithManager for RagPipelines: informers from the manager (the ModelPool and Ingress
 * ones are shared with the ModelPool controller, not duplicated) and the Controller, which the manager runs
 * on the leader only. Stopping it also stops local-process runtimes.
 */
export function setupRagPipelineController(mgr: Manager, options: RagOperatorOptions = {}): RagWiring {
  const pipelines = mgr.informer<RagPipelineObject>(ragPipelineResource);
  const caches = workloadCaches(mgr, ragOwnedSelector);
  const locator = options.locator ?? (process.env.RAG_LOCAL_PROCESS === '1' ? new LocalProcessLocator({ client: mgr.client, log: mgr.log }) : undefined);
  const events = new EventRecorder(mgr.client, { logger: mgr.log });
  const probe = options.probe === false ? undefined : (options.probe ?? new HttpRuntimeProbe());
  // What the pipelines' pods need besides their own objects. Its first lists enqueue the pipelines waiting on them;
  // they run once the caches run, after the reconciler and controller below exist.
  const mounted = mountedCaches(mgr, pipelines, ragMountedRefsOf, (kind, o) => {
    for (const k of reconciler.pipelinesMounting(kind, o)) controller.enqueue(k);
  });
  const reconciler = new RagPipelineController({
    client: mgr.client,
    pipelines,
    ...caches,
    mounted,
    log: mgr.log,
    ...(options.defaultImage ? { defaultImage: options.defaultImage } : {}),
    ...(probe ? { probe } : {}),
    ...(locator ? { locator } : {}),
    event: (obj, type, reason, message) => void events.record(ragPipelineResource, obj, type, reason, message),
    mcpSwitch: new GatewayMcpSwitch(mgr.client, { enable: options.enableGatewayMcpServer }),
    servedGatewayNamespace: mgr.gatewayNamespace,
  });
  const controller = addWorkloadController(mgr, {
    name: 'ragpipeline',
    primary: pipelines,
    caches,
    ownerKey: RagPipelineController.ownerKey,
    byPool: (p) => reconciler.pipelinesUsingPool(p),
    extraSecondaries: [...MOUNTED_KINDS.map((kind) => secondaryWatch(mounted[kind], (o) => reconciler.pipelinesMounting(kind, o)))],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: options.concurrency,
    stopped: async () => {
      await locator?.stopAll?.();
    },
  });
  return { pipelines, controller };
}
