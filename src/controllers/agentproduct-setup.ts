import type { WasmPlugin } from '../higress/types.js';
import { EventRecorder } from '../kube/events.js';
import { Controller, secondaryWatch } from '../kube/controller.js';
import type { Manager } from '../kube/manager.js';
import { parseKey, type DataObject, type KubeObject } from '../kube/object.js';
import { managedSelector } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import { ragPipelineResource } from './resources.js';
import { AgentProductController, agentProductResource, referencesOf, type AgentProductObject, type ReferenceKind } from './agentproduct.js';

export interface AgentProductSetupOptions {
  concurrency?: number;
}

/**
 * SetupWithManager for AgentProducts, as modelpool-setup.ts does it: informers from the manager (the managed
 * Ingress/ConfigMap and WasmPlugin caches are shared with the other controllers), and the Secrets and
 * ConfigMaps a product names cached one name-scoped watch each (ReferencedObjects) — never every Secret in the
 * cluster. A Secret change (key rotation) re-renders the products that read it.
 */
export function setupAgentProductController(mgr: Manager, opts: AgentProductSetupOptions = {}): { controller: Controller<AgentProductObject> } {
  const products = mgr.informer<AgentProductObject>(agentProductResource);
  const ingresses = mgr.gatewayInformer<KubeObject>(Resources.Ingress, { labelSelector: managedSelector, optional: true });
  const configMaps = mgr.gatewayInformer<KubeObject>(Resources.ConfigMap, { labelSelector: managedSelector });
  const wasmPlugins = mgr.gatewayInformer<WasmPlugin & KubeObject>(Resources.WasmPlugin, { optional: true });
  const pipelines = mgr.informer<KubeObject>(ragPipelineResource);

  let enqueue: (key: string) => void = () => undefined;
  // The reconciler needs the caches and the caches' onSynced needs the reconciler: filled in below.
  const late: { reconciler?: AgentProductController } = {};
  const referenced = (resource: ResourceType, kind: ReferenceKind) =>
    mgr.referencedCache<DataObject, AgentProductObject>(resource, {
      primary: products,
      refs: (p) => referencesOf(p)[kind],
      required: true,
      // Listed (found or absent) is an answer: products waiting on it decide now (e.g. SecretKeyMissing).
      onSynced: (key) => {
        for (const k of late.reconciler?.productsReferencing(kind, { metadata: parseKey(key) }) ?? []) enqueue(k);
      },
    });
  const secrets = referenced(Resources.Secret, 'secrets');
  const documents = referenced(Resources.ConfigMap, 'configMaps');
  const services = referenced(Resources.Service, 'services');

  const events = new EventRecorder(mgr.client, { logger: mgr.log });
  const r = new AgentProductController({
    client: mgr.client,
    products,
    ingresses,
    configMaps,
    wasmPlugins,
    pipelines,
    secrets,
    documents,
    services,
    log: mgr.log,
    servedGatewayNamespace: mgr.gatewayNamespace,
    event: (obj, type, reason, message) => void events.record(agentProductResource, obj, type, reason, message),
  });
  late.reconciler = r;
  const controller = new Controller<AgentProductObject>({
    name: 'agentproduct',
    primary: products,
    secondaries: [
      secondaryWatch(secrets, (s) => r.productsReferencing('secrets', s)),
      secondaryWatch(documents, (c) => r.productsReferencing('configMaps', c)),
      secondaryWatch(services, (c) => r.productsReferencing('services', c)),
      // Our own route objects, and the model routes of the pools/routers our agents use.
      secondaryWatch(ingresses, (o) => [...AgentProductController.ownerKey(o), ...r.productsUsingModelOf(o)]),
      secondaryWatch(configMaps, (o) => [...AgentProductController.ownerKey(o), ...r.productsUsingModelOf(o)]),
      secondaryWatch(wasmPlugins, (w) => r.productsOnGateway(w)),
      secondaryWatch(pipelines, (p) => r.productsUsingPipeline(p)),
    ],
    reconcile: (key) => r.reconcile(key),
    concurrency: opts.concurrency ?? 4,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: mgr.log,
  });
  enqueue = (key) => controller.enqueue(key);
  mgr.add(controller);
  return { controller };
}
