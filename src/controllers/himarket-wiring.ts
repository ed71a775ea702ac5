import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { Controller, secondaryWatch } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/object.js';
import { HiMarketSessions } from '../himarket/sessions.js';
import { linkTargetFromGenerated } from '../reconcilers/himarket-publish.js';
import { HiMarketConnectionController, himarketConnectionResource, type HiMarketConnectionObject } from './himarket-connection.js';
import { HiMarketPublishController, type PublishAdapter, type PublishableObject } from './himarket-publish.js';
import type { ModelPoolObject, SecretObject } from './modelpool.js';
import { modelPoolResource } from './resources.js';

/**
 * HiMarket publishing, started here so src/operator.ts adds one call: the HiMarketConnection controller
 * and one publish controller per owner kind (ModelPool today). The ModelPool and Secret informers are the
 * operator's own, shared; the caller starts and stops the returned informers with its own.
 */

export interface HiMarketWiring {
  connections: Informer<HiMarketConnectionObject>;
  informers: Informer<KubeObject>[];
  controllers: Controller<KubeObject>[];
  stop(): Promise<void>;
}

/** ModelPool → a MODEL_API product linked to the pool's console AI route (read from its status). */
export function modelPoolAdapter(pools: Informer<ModelPoolObject>): PublishAdapter<ModelPoolObject & PublishableObject> {
  return {
    kind: 'ModelPool',
    resource: modelPoolResource,
    informer: pools as Informer<ModelPoolObject & PublishableObject>,
    defaultType: 'MODEL_API',
    describe: (pool, publish) => ({
      linkTarget: linkTargetFromGenerated(publish.type ?? 'MODEL_API', pool.status?.generatedObjects),
      models: [...(pool.spec.alias ? [pool.spec.alias] : []), ...pool.spec.models.map((m) => m.name)],
    }),
  };
}

export function startHiMarketControllers(deps: {
  client: KubeClient;
  resyncPeriodMs: number;
  logger: Logger;
  pools: Informer<ModelPoolObject>;
  secrets: Informer<SecretObject>;
  /** Publish re-sync period (default 5 min). */
  pollMs?: number;
}): HiMarketWiring {
  const log = deps.logger.child({ component: 'himarket' });
  const connections = new Informer<HiMarketConnectionObject>({ client: deps.client, resyncPeriodMs: deps.resyncPeriodMs, logger: log, resource: himarketConnectionResource });
  const sessions = new HiMarketSessions();
  const events = new EventRecorder(deps.client, { logger: log });
  const connReconciler = new HiMarketConnectionController({
    client: deps.client,
    connections,
    secrets: deps.secrets,
    sessions,
    log,
    event: (obj, type, reason, message) => void events.record(himarketConnectionResource, obj, type, reason, message),
  });
  const backoff = { baseDelayMs: 500, maxDelayMs: 5 * 60_000, jitter: 0.2 };
  const connController = new Controller<HiMarketConnectionObject>({
    name: 'himarketconnection',
    primary: connections,
    secondaries: [secondaryWatch(deps.secrets, (s) => connReconciler.connectionsUsingSecret(s.metadata.namespace ?? '', s.metadata.name ?? ''))],
    reconcile: (key) => connReconciler.reconcile(key),
    concurrency: 2,
    backoff,
    logger: log,
  });

  const adapter = modelPoolAdapter(deps.pools);
  const poolPublisher = new HiMarketPublishController({
    client: deps.client,
    adapter,
    connections,
    secrets: deps.secrets,
    sessions,
    log,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    event: (obj, type, reason, message) => void events.record(modelPoolResource, obj, type, reason, message),
  });
  const poolController = new Controller<ModelPoolObject & PublishableObject>({
    name: 'himarket-modelpool',
    primary: adapter.informer,
    secondaries: [secondaryWatch(connections, (c) => poolPublisher.ownersOfConnection(c))],
    reconcile: (key) => poolPublisher.reconcile(key),
    concurrency: 4,
    backoff,
    logger: log,
  });
  connController.start();
  poolController.start();
  const controllers = [connController, poolController] as unknown as Controller<KubeObject>[];
  return {
    connections,
    informers: [connections] as unknown as Informer<KubeObject>[],
    controllers,
    stop: async () => {
      await Promise.all(controllers.map((c) => c.stop()));
    },
  };
}
