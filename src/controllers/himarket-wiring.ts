import { Controller, secondaryWatch } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { ReferencedObjects } from '../kube/referenced-objects.js';
import { Resources } from '../kube/resources.js';
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
  controllers: Controller<KubeObject>[];
}

/** ModelPool → a MODEL_API product linked to the pool's console AI route (read from its status). */
export function modelPoolAdapter(pools: Informer<ModelPoolObject>): PublishAdapter<ModelPoolObject & PublishableObject> {
  return {
    kind: 'ModelPool',
    resource: modelPoolResource,
    informer: pools,
    defaultType: 'MODEL_API',
    describe: (pool, publish) => ({
      linkTarget: linkTargetFromGenerated(publish.type ?? 'MODEL_API', pool.status?.generatedObjects),
      models: [...(pool.spec.alias ? [pool.spec.alias] : []), ...pool.spec.models.map((m) => m.name)],
    }),
  };
}

/**
 * kubebuilder's SetupWithManager for HiMarket: the HiMarketConnection controller and the ModelPool publish
 * controller. Only the Secrets a connection names are cached (ReferencedObjects, like the ModelPool's).
 */
export function setupHiMarketControllers(mgr: Manager, opts: { pollMs?: number } = {}): HiMarketWiring {
  const log = mgr.log.child({ component: 'himarket' });
  const connections = mgr.informer<HiMarketConnectionObject>(himarketConnectionResource);
  const pools = mgr.informer<ModelPoolObject>(modelPoolResource);
  let enqueueConnection: (key: string) => void = () => undefined;
  const secrets = new ReferencedObjects<SecretObject>({
    client: mgr.client,
    resource: Resources.Secret,
    resyncPeriodMs: mgr.resyncPeriodMs,
    logger: log,
    onSynced: (key) => {
      const [ns = '', name = ''] = key.split('/');
      for (const k of connReconciler.connectionsUsingSecret(ns, name)) enqueueConnection(k);
    },
  });
  mgr.addCache(secrets, { required: false });
  const track = (c: HiMarketConnectionObject): void =>
    secrets.setReferences(makeKey(c.metadata.namespace, c.metadata.name), [
      makeKey(c.metadata.namespace, c.spec.credentialsSecretRef.name),
      makeKey(c.metadata.namespace, c.spec.gateway.consoleCredentialsSecretRef.name),
    ]);
  connections.addEventHandler({ onAdd: track, onUpdate: (_o, n) => track(n), onDelete: (c) => secrets.setReferences(makeKey(c.metadata.namespace, c.metadata.name), []) });

  const sessions = new HiMarketSessions();
  const events = new EventRecorder(mgr.client, { logger: log });
  const connReconciler = new HiMarketConnectionController({
    client: mgr.client,
    connections,
    secrets,
    sessions,
    log,
    event: (obj, type, reason, message) => void events.record(himarketConnectionResource, obj, type, reason, message),
  });
  const backoff = { baseDelayMs: 500, maxDelayMs: 5 * 60_000, jitter: 0.2 };
  const connController = new Controller<HiMarketConnectionObject>({
    name: 'himarketconnection',
    primary: connections,
    secondaries: [secondaryWatch(secrets, (s) => connReconciler.connectionsUsingSecret(s.metadata.namespace ?? '', s.metadata.name ?? ''))],
    reconcile: (key) => connReconciler.reconcile(key),
    concurrency: 2,
    backoff,
    logger: log,
  });
  enqueueConnection = (key) => connController.queue.add(key);

  const adapter = modelPoolAdapter(pools);
  const poolPublisher = new HiMarketPublishController({
    client: mgr.client,
    adapter,
    connections,
    secrets,
    sessions,
    log,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
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
  const controllers = [connController, poolController] as unknown as Controller<KubeObject>[];
  mgr.add({ start: () => controllers.forEach((c) => c.start()), stop: async () => void (await Promise.all(controllers.map((c) => c.stop()))) });
  return { connections, controllers };
}
