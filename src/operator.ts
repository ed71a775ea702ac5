import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { setupModelPoolController } from './controllers/modelpool-setup.js';
import { setupRagPipelineController, type RagOperatorOptions } from './controllers/ragpipeline-wiring.js';
import { setupHiMarketControllers } from './controllers/himarket-wiring.js';
import { setupAgentProductController } from './controllers/agentproduct-setup.js';
import { setupSemanticRouterController, type RouterOperatorOptions } from './controllers/semanticrouter-wiring.js';
import type { PluginImageOptions } from './higress/plugins.js';
import { KubeClient } from './kube/client.js';
import type { KubeConfigSource } from './kube/transport.js';
import { Manager, type LeaderElectionConfig } from './kube/manager.js';
import type { WorkQueue } from './kube/workqueue.js';
import { createLogger } from './util/log.js';

export interface OperatorOptions {
  /** src/kube/kubeconfig.ts's loadKubeConfig(), or a @kubernetes/client-node KubeConfig (tests, tools). */
  kubeConfig: KubeConfigSource;
  /** Parallel ModelPool reconciles (never two on one key). Default 8: reconciles mostly wait on the API server. */
  concurrency?: number;
  /** Periodic resync of every cached object. Default 10 min; 0 disables. */
  resyncPeriodMs?: number;
  /** Port for /healthz and /readyz; 0 picks a free one; undefined serves nothing. */
  healthPort?: number;
  /** Port for /metrics; undefined = on the health port (one server), as tests and the bench use it. */
  metricsPort?: number;
  /** Campaign for this Lease before reconciling; absent = lead at once (tests, the demo, --no-leader-elect). */
  leaderElection?: LeaderElectionConfig;
  /** Leadership lost: default stops the controllers; src/main.ts exits instead. */
  onLeadershipLost?: () => void;
  pluginImage?: PluginImageOptions;
  /**
   * Serve only this gateway namespace: informers over gateway kinds list and watch only there (RBAC for those
   * reads: a Role there, `hack/gen-rbac.ts`), and pools naming another gateway namespace get Ready=False.
   * Undefined: every namespace.
   */
  gatewayNamespace?: string;
  /** Batch window (ms) for writes of the per-gateway shared objects; 0 writes at once. */
  gatewayBatchMs?: number;
  /** Render ModelPool fallback chains as routes + EnvoyFilter redirects (default true); false = retries only. */
  fallbackRoutes?: boolean;
  /** RagPipeline controller options (runtime image, probe, local-process mode). */
  rag?: RagOperatorOptions;
  /** SemanticRouter controller options (router image, status reader, local-process mode). */
  router?: RouterOperatorOptions;
  log?: Logger;
}

export interface Operator {
  client: KubeClient;
  manager: Manager;
  queue: WorkQueue;
  /** Every controller's queue (ModelPool first, then RagPipeline): idle when all are empty, as a resync test needs. */
  queues: readonly WorkQueue[];
  /** Resolves once every required cache has listed once. */
  synced: Promise<void>;
  /** Address of the health server (and of /metrics unless a separate metrics port was asked for). */
  healthAddress?: AddressInfo;
  metricsAddress?: AddressInfo;
  /** Re-deliver every cached object to the controllers (what the periodic resync does). */
  resync(): void;
  stop(): Promise<void>;
}

/**
 * Wiring only: a Manager, then one `setupXController(mgr, …)` line per kind (each registers its own caches
 * and watches), then start. Probes and metrics are served from here on, on every replica; controllers run
 * while this replica leads.
 */
export async function startOperator(opts: OperatorOptions): Promise<Operator> {
  const log = opts.log ?? createLogger('operator');
  const client = KubeClient.fromKubeConfig(opts.kubeConfig);
  const manager = new Manager({
    client,
    log,
    resyncPeriodMs: opts.resyncPeriodMs ?? 10 * 60_000,
    ...(opts.gatewayNamespace ? { gatewayNamespace: opts.gatewayNamespace } : {}),
    ...(opts.healthPort !== undefined ? { healthPort: opts.healthPort, metricsPort: opts.metricsPort ?? ('health' as const) } : {}),
    ...(opts.leaderElection ? { leaderElection: opts.leaderElection } : {}),
    ...(opts.onLeadershipLost ? { onLeadershipLost: opts.onLeadershipLost } : {}),
  });

  // ---- controllers: one block each ----
  const modelPools = setupModelPoolController(manager, {
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.pluginImage ? { pluginImage: opts.pluginImage } : {}),
    ...(opts.fallbackRoutes !== undefined ? { fallbackRoutes: opts.fallbackRoutes } : {}),
    ...(opts.gatewayBatchMs !== undefined ? { gatewayBatchMs: opts.gatewayBatchMs } : {}),
  });
  const ragPipelines = setupRagPipelineController(manager, opts.rag ?? {});
  const semanticRouters = setupSemanticRouterController(manager, { ...(opts.pluginImage ? { pluginImage: opts.pluginImage } : {}), ...(opts.router ?? {}) });
  // HiMarket: HiMarketConnection + spec.publish on ModelPool (src/controllers/himarket-wiring.ts).
  const himarket = setupHiMarketControllers(manager);
  const agentProducts = setupAgentProductController(manager); // AgentProduct: MCP servers, agent, consumers (src/controllers/agentproduct-setup.ts)
  // ---- end of controllers ----

  await manager.start();
  const synced = manager.waitForCacheSync();
  synced.catch(() => undefined); // a caller that never awaits it must not crash the process on a timeout
  return {
    client,
    manager,
    queue: modelPools.controller.queue,
    queues: [
      modelPools.controller.queue,
      ragPipelines.controller.queue,
      semanticRouters.controller.queue,
      ...himarket.controllers.map((c) => c.queue),
      agentProducts.controller.queue,
    ],
    synced,
    ...(manager.healthAddress ? { healthAddress: manager.healthAddress } : {}),
    ...(manager.metricsAddress ? { metricsAddress: manager.metricsAddress } : {}),
    resync: () => manager.resync(),
    stop: () => manager.stop(),
  };
}
