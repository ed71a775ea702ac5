import { Controller, secondaryWatch } from '../kube/controller.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import { HiMarketSessions } from '../himarket/sessions.js';
import { agentProductLink, modelPoolLink, semanticRouterLink } from '../reconcilers/himarket-links.js';
import { agentProductResource, type AgentProductObject } from './agentproduct.js';
import { HiMarketConnectionController, himarketConnectionResource, type HiMarketConnectionObject } from './himarket-connection.js';
import { HiMarketPublishController, type PublishAdapter, type PublishableObject } from './himarket-publish.js';
import type { ModelPoolObject, SecretObject } from './modelpool.js';
import { modelPoolResource } from './resources.js';
import { semanticRouterResource, type SemanticRouterObject } from './semanticrouter.js';

/**
 * HiMarket publishing, started here so src/operator.ts adds one call: the HiMarketConnection controller
 * and one publish controller per owner kind (ModelPool, SemanticRouter, AgentProduct). The owners'
 * informers are the manager's, shared with their own controllers.
 */

export interface HiMarketWiring {
  connections: Informer<HiMarketConnectionObject>;
  controllers: Controller<KubeObject>[];
}

/** ModelPool → a MODEL_API product linked to the console AI route of one model or of the alias. */
export function modelPoolAdapter(pools: Informer<ModelPoolObject>): PublishAdapter<ModelPoolObject & PublishableObject> {
  return { kind: 'ModelPool', resource: modelPoolResource, informer: pools, describe: (pool, publish) => modelPoolLink(pool, publish) };
}

/** SemanticRouter → a MODEL_API product linked to the console AI route of one virtual model. */
export function semanticRouterAdapter(routers: Informer<SemanticRouterObject>): PublishAdapter<SemanticRouterObject & PublishableObject> {
  return {
    kind: 'SemanticRouter',
    resource: semanticRouterResource,
    informer: routers,
    describe: (router, publish) => semanticRouterLink(router, publish),
  };
}

/** AgentProduct → its agent as a MODEL_API on the agent's AI route, or one tool source's MCP server. */
export function agentProductAdapter(products: Informer<AgentProductObject>): PublishAdapter<AgentProductObject & PublishableObject> {
  return {
    kind: 'AgentProduct',
    resource: agentProductResource,
    informer: products,
    describe: (product, publish) => agentProductLink(product, publish),
  };
}

/**
 * kubebuilder's SetupWithManager for HiMarket: the HiMarketConnection controller and one publish controller
 * per owner kind. Only the Secrets a connection names are cached (ReferencedObjects, like the ModelPool's).
 */
export function setupHiMarketControllers(mgr: Manager, opts: { pollMs?: number } = {}): HiMarketWiring {
  const log = mgr.log.child({ component: 'himarket' });
  const connections = mgr.informer<HiMarketConnectionObject>(himarketConnectionResource);
  let enqueueConnection: (key: string) => void = () => undefined;
  const secrets = mgr.referencedCache<SecretObject, HiMarketConnectionObject>(Resources.Secret, {
    primary: connections,
    refs: (c) => [
      makeKey(c.metadata.namespace, c.spec.credentialsSecretRef.name),
      makeKey(c.metadata.namespace, c.spec.gateway.consoleCredentialsSecretRef.name),
    ],
    required: false,
    logger: log,
    onSynced: (key) => {
      const { namespace, name } = parseKey(key);
      for (const k of connReconciler.connectionsUsingSecret(namespace, name)) enqueueConnection(k);
    },
  });

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

  const adapters = [
    modelPoolAdapter(mgr.informer<ModelPoolObject>(modelPoolResource)),
    semanticRouterAdapter(mgr.informer<SemanticRouterObject>(semanticRouterResource)),
    agentProductAdapter(mgr.informer<AgentProductObject>(agentProductResource)),
  ] as unknown as PublishAdapter<PublishableObject>[];
  const publishers = adapters.map((adapter) => {
    const publisher = new HiMarketPublishController({
      client: mgr.client,
      adapter,
      connections,
      secrets,
      sessions,
      log,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      event: (obj, type, reason, message) => void events.record(adapter.resource, obj, type, reason, message),
    });
    return new Controller<PublishableObject>({
      name: `himarket-${adapter.kind.toLowerCase()}`,
      primary: adapter.informer,
      secondaries: [secondaryWatch(connections, (c) => publisher.ownersOfConnection(c))],
      reconcile: (key) => publisher.reconcile(key),
      concurrency: 4,
      backoff,
      logger: log,
    });
  });
  const controllers = [connController, ...publishers] as unknown as Controller<KubeObject>[];
  mgr.add({ start: () => controllers.forEach((c) => c.start()), stop: async () => void (await Promise.all(controllers.map((c) => c.stop()))) });
  return { connections, controllers };
}
