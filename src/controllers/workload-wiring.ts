import { Controller, secondaryWatch, type ReconcileResult, type SecondaryWatch } from '../kube/controller.js';
import type { Informer } from '../kube/informer.js';
import type { Manager } from '../kube/manager.js';
import type { KubeObject, ObjectKey } from '../kube/object.js';
import { managedSelector } from '../kube/owner.js';
import { Resources } from '../kube/resources.js';
import type { ModelPoolObject } from './modelpool.js';
import { Deployments, PersistentVolumeClaims, type IngressObject, type WorkloadObject } from './ragpipeline.js';
import { modelPoolResource } from './resources.js';

/**
 * The wiring every kind that runs a workload of its own (RagPipeline, SemanticRouter) shares: the caches of
 * what it generates, selected by its owner-kind label so they never hold a cluster's worth of objects; the
 * ModelPool and Ingress informers shared with the other controllers; and the Controller over them, run by
 * the manager on the leader only.
 */
export interface WorkloadCaches {
  pools: Informer<ModelPoolObject>;
  ingresses: Informer<IngressObject>;
  deployments: Informer<WorkloadObject>;
  configMaps: Informer<WorkloadObject>;
  services: Informer<WorkloadObject>;
  pvcs: Informer<WorkloadObject>;
}

/** `ownedSelector`: the kind's managed-by + owner-kind label selector. */
export function workloadCaches(mgr: Manager, ownedSelector: string): WorkloadCaches {
  const owned = (resource: typeof Deployments) => mgr.informer<WorkloadObject>(resource, { labelSelector: ownedSelector, optional: true });
  return {
    pools: mgr.informer<ModelPoolObject>(modelPoolResource),
    ingresses: mgr.gatewayInformer<IngressObject>(Resources.Ingress, { labelSelector: managedSelector, optional: true }),
    deployments: owned(Deployments),
    configMaps: owned(Resources.ConfigMap),
    services: owned(Resources.Service),
    pvcs: owned(PersistentVolumeClaims),
  };
}

export interface WorkloadControllerOptions<P extends KubeObject> {
  name: string;
  primary: Informer<P>;
  caches: WorkloadCaches;
  /** The primary a generated object belongs to (its owner labels). */
  ownerKey: (obj: KubeObject) => readonly ObjectKey[];
  /** Primaries a ModelPool change affects. */
  byPool: (pool: ModelPoolObject) => readonly ObjectKey[];
  /** Watches of the kind's own beyond the shared ones (e.g. the router's console route ConfigMaps). */
  extraSecondaries?: readonly SecondaryWatch[];
  reconcile: (key: ObjectKey) => Promise<ReconcileResult | void>;
  concurrency?: number | undefined;
  /** Runs after the controller stopped (e.g. local-process runtimes). */
  stopped?: () => Promise<void>;
}

/** The Controller over a workload kind's caches, registered with the manager. */
export function addWorkloadController<P extends KubeObject>(mgr: Manager, o: WorkloadControllerOptions<P>): Controller<P> {
  const { caches } = o;
  const controller = new Controller<P>({
    name: o.name,
    primary: o.primary,
    secondaries: [
      ...[caches.deployments, caches.configMaps, caches.services, caches.pvcs].map((i) => secondaryWatch(i, o.ownerKey)),
      secondaryWatch(caches.ingresses, o.ownerKey),
      secondaryWatch(caches.pools, o.byPool),
      ...(o.extraSecondaries ?? []),
    ],
    reconcile: o.reconcile,
    concurrency: o.concurrency ?? 4,
    backoff: { baseDelayMs: 50, maxDelayMs: 5 * 60_000, jitter: 0.2 },
    logger: mgr.log,
  });
  mgr.add({
    start: () => controller.start(),
    stop: async () => {
      await controller.stop();
      await o.stopped?.();
    },
  });
  return controller;
}
