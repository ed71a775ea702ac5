import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { register } from 'prom-client';
import type { Logger } from 'pino';
import {
  GATEWAY_PREFIX,
  ModelPoolController,
  gatewayNamespaceOf,
  type EnvoyFilterObject,
  type IngressObject,
  type ModelPoolObject,
  type SecretObject,
  type WasmPluginObject,
} from './controllers/modelpool.js';
import { modelPoolResource } from './controllers/resources.js';
import { startRagPipelineController, type RagOperatorOptions } from './controllers/ragpipeline-wiring.js';
import { startSemanticRouterController, type RouterOperatorOptions } from './controllers/semanticrouter-wiring.js';
import type { PluginImageOptions } from './higress/plugins.js';
import { KubeClient } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { Informer } from './kube/informer.js';
import { MCPBRIDGE_NAME, type McpBridge } from './kube/mcpbridge.js';
import { Controller, secondaryWatch } from './kube/controller.js';
import type { KubeObject } from './kube/object.js';
import { managedSelector } from './kube/owner.js';
import { Resources } from './kube/resources.js';
import type { WorkQueue } from './kube/workqueue.js';
import { createLogger } from './util/log.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Parallel reconciles (never two on one key). Default 8: reconciles mostly wait on the API server. */
  concurrency?: number;
  /** Periodic resync of every cached object. Default 10 min; 0 disables. */
  resyncPeriodMs?: number;
  /** Port for /healthz, /readyz and /metrics; 0 picks a free one; undefined serves nothing. */
  healthPort?: number;
  pluginImage?: PluginImageOptions;
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
  queue: WorkQueue;
  /** Every controller's queue (ModelPool first, then RagPipeline). */
  queues: readonly WorkQueue[];
  /** Resolves once every informer has listed once. */
  synced: Promise<void>;
  /** Address of the health/metrics server, if one was asked for. */
  healthAddress?: AddressInfo;
  /** Re-deliver every cached object to the controller (what the periodic resync does). */
  resync(): void;
  stop(): Promise<void>;
}

/** Wire informers, the work queue and the ModelPool controller; start them; return a handle to stop them. */
export async function startOperator(opts: OperatorOptions): Promise<Operator> {
  const log = opts.log ?? createLogger('operator');
  const client = KubeClient.fromKubeConfig(opts.kubeConfig);
  const resyncPeriodMs = opts.resyncPeriodMs ?? 10 * 60_000;
  const common = { client, resyncPeriodMs, logger: log };

  const pools = new Informer<ModelPoolObject>({ ...common, resource: modelPoolResource });
  const secrets = new Informer<SecretObject>({ ...common, resource: Resources.Secret });
  const ingresses = new Informer<IngressObject>({ ...common, resource: Resources.Ingress, labelSelector: managedSelector });
  const wasmPlugins = new Informer<WasmPluginObject>({ ...common, resource: Resources.WasmPlugin, labelSelector: managedSelector });
  const mcpBridges = new Informer<McpBridge>({ ...common, resource: Resources.McpBridge, fieldSelector: `metadata.name=${MCPBRIDGE_NAME}` });
  const envoyFilters = new Informer<EnvoyFilterObject>({ ...common, resource: Resources.EnvoyFilter, labelSelector: managedSelector });

  const events = new EventRecorder(client, { logger: log });
  // Created before the controller that owns the queue; every enqueue happens after `start()`.
  let enqueue: (key: string) => void = () => undefined;
  const reconciler = new ModelPoolController({
    client,
    pools,
    secrets,
    ingresses,
    wasmPlugins,
    mcpBridges,
    envoyFilters,
    ...(opts.fallbackRoutes !== undefined ? { fallbackRoutes: opts.fallbackRoutes } : {}),
    enqueue: (key) => enqueue(key),
    log,
    aggregate: opts.pluginImage ? { image: opts.pluginImage } : {},
    event: (obj, type, reason, message) => void events.record(modelPoolResource, obj, type, reason, message),
  });
  const ownedBy = (o: KubeObject): string[] => {
    const owner = ModelPoolController.ownerKey(o);
    return owner ? [owner] : [];
  };
  // A change to a shared object may be drift to undo, and may make waiting pools Ready.
  const gatewayChanged = (o: KubeObject): string[] => [GATEWAY_PREFIX + (o.metadata.namespace ?? ''), ...reconciler.poolsAffectedBy(o)];
  const controller = new Controller<ModelPoolObject>({
    name: 'modelpool',
    primary: pools,
    secondaries: [
      secondaryWatch(pools, (p) => [GATEWAY_PREFIX + gatewayNamespaceOf(p)]),
      secondaryWatch(secrets, (s) => reconciler.poolsUsingSecret(s.metadata.namespace ?? 'default', s.metadata.name ?? '')),
      secondaryWatch(ingresses, ownedBy),
      secondaryWatch(envoyFilters, ownedBy),
      secondaryWatch(wasmPlugins, gatewayChanged),
      secondaryWatch(mcpBridges, gatewayChanged),
    ],
    reconcile: (key) => reconciler.reconcile(key),
    concurrency: opts.concurrency ?? 8,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: log,
  });
  enqueue = (key) => controller.queue.add(key);

  const rag = startRagPipelineController({ ...common, pools, ingresses, options: opts.rag ?? {} });
  const router = startSemanticRouterController({ ...common, pools, ingresses, events, options: opts.router ?? {} });
  const informers = [pools, secrets, ingresses, wasmPlugins, mcpBridges, envoyFilters, ...rag.informers, ...router.informers];
  controller.start();
  for (const i of informers) i.start();

  // Higress CRDs may be missing at start: only our own kinds and Secrets gate readiness.
  const synced = Promise.all([pools.waitForSync(), secrets.waitForSync(), rag.pipelines.waitForSync(), router.routers.waitForSync()]).then(() => undefined);
  let server: Server | undefined;
  let healthAddress: AddressInfo | undefined;
  if (opts.healthPort !== undefined) {
    server = createServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      if (req.url === '/readyz') {
        const ok = pools.hasSynced() && secrets.hasSynced() && rag.pipelines.hasSynced() && router.routers.hasSynced();
        res.statusCode = ok ? 200 : 503;
        return void res.end(ok ? 'ok' : 'informers not synced');
      }
      if (req.url === '/metrics') {
        void register.metrics().then((text) => {
          res.setHeader('content-type', register.contentType);
          res.end(text);
        });
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(opts.healthPort, '0.0.0.0', resolve));
    healthAddress = server.address() as AddressInfo;
  }

  let stopping: Promise<void> | undefined;
  return {
    client,
    queue: controller.queue,
    queues: [controller.queue, rag.controller.queue, router.controller.queue],
    synced,
    ...(healthAddress ? { healthAddress } : {}),
    resync: () => informers.forEach((i) => i.resync()),
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(informers.map((i) => i.stop()));
        await controller.stop();
        await rag.stop();
        await router.stop();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        log.info('operator stopped');
      })()),
  };
}
