import type { ModelPoolStatus } from '../api/v1alpha1/modelpool.js';
import type { KubeClient } from '../kube/client.js';
import { READY, removeCondition, setCondition, writeStatus, type ConditionInput } from '../kube/conditions.js';
import { isBeingDeleted } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/object.js';
import type { PoolRender } from '../reconcilers/modelpool.js';
import { POOL_CLASS_INDEX, type ModelPoolObject } from './modelpool-observe.js';
import { modelPoolResource } from './resources.js';

/**
 * What a ModelPool reconcile tells the user once it has decided: the status it writes, the Events it records,
 * and the spec error messages it words. Split from modelpool.ts (issue 7: one seam per file).
 */

/** Records a Kubernetes Event on an object; deduplicated by the implementation. */
export type EventSink = (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface StatusDecision {
  status: Pick<ModelPoolStatus, 'readyModels' | 'models' | 'generatedObjects'>;
  ready: ConditionInput;
  set: ConditionInput[];
  remove: string[];
}

/** A zod issue path the way the API server names fields: `spec.models[1].provider.endpoint`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return `spec${path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`)).join('')}`;
}

/** The status fields a decision that did not render keeps from the last one. */
export function pickStatus(s: ModelPoolStatus | undefined): Pick<StatusDecision, 'status'> {
  return { status: { readyModels: s?.readyModels, models: s?.models, generatedObjects: s?.generatedObjects } };
}

/** Each (gateway namespace, ingress class) some live pool uses, read from the pools' class index. */
export function classUsers(pools: Informer<ModelPoolObject>): { gatewayNamespace: string; ingressClassName: string }[] {
  const store = pools.store;
  return store
    .indexValues(POOL_CLASS_INDEX)
    .filter((v) => store.someInIndex(POOL_CLASS_INDEX, v, (p) => !isBeingDeleted(p)))
    .map((v) => ({ gatewayNamespace: v.slice(0, v.indexOf('/')), ingressClassName: v.slice(v.indexOf('/') + 1) }));
}

export function emitEvents(event: EventSink | undefined, pool: ModelPoolObject, render: PoolRender, ready: ConditionInput): void {
  const previous = pool.status?.conditions?.find((c) => c.type === READY);
  // Also on the first pass: a pool can be Ready at once (nothing to wait for), and its Ready event must still be recorded.
  if (ready.status === 'True' && previous?.status !== 'True') {
    event?.(
      pool,
      'Normal',
      'Ready',
      render.models.length === 1
        ? `its model is routed through ${render.gatewayNamespace}`
        : `all ${render.models.length} models are routed through ${render.gatewayNamespace}`,
    );
  } else if (ready.status === 'False' && ready.reason !== 'Pending' && previous?.reason !== ready.reason) {
    event?.(pool, 'Warning', ready.reason, ready.message);
  }
}

/** The pool as written, or undefined when its status already said all this (no request). */
export async function writePoolStatus(client: KubeClient, pool: ModelPoolObject, result: StatusDecision): Promise<ModelPoolObject | undefined> {
  const generation = pool.metadata.generation;
  // Every condition written here was decided for this generation, whichever branch decided it (InvalidSpec
  // once went out without one, and a client waiting for "Ready at my generation" waited forever).
  const stamp = (c: ConditionInput): ConditionInput => (generation !== undefined ? { ...c, observedGeneration: generation } : c);
  let conditions = setCondition(pool.status?.conditions, stamp(result.ready));
  for (const c of result.set) conditions = setCondition(conditions, stamp(c));
  for (const t of result.remove) conditions = removeCondition(conditions, t);
  const status: ModelPoolStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
    ...Object.fromEntries(Object.entries(result.status).filter(([, v]) => v !== undefined)),
    ...(pool.status?.publish ? { publish: pool.status.publish } : {}), // owned by the HiMarket publish controller
  };
  return writeStatus(client, modelPoolResource, pool, status);
}
