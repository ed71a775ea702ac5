import type { GeneratedObject } from '../api/v1alpha1/common.js';
import type { ModelPoolStatus } from '../api/v1alpha1/modelpool.js';
import { READY, type ConditionInput } from '../kube/conditions.js';
import type { PoolRender } from './modelpool.js';
import { counted, listSome } from '../util/phrases.js';

/**
 * A ModelPool's status as a pure function of its render and what the controller observed:
 * `status = f(render, observed, errors)`. The controller only gathers the observation and writes the result.
 */

/** Condition saying how `spec.fallback` is served. */
export const FALLBACK = 'Fallback';
/** Condition saying whether `spec.cache` is in force as an ai-cache rule on the pool's routes. */
export const CACHE = 'Cache';
/** Condition warning that another gateway namespace's pools use the same ingress class. */
export const INGRESS_CLASS = 'IngressClass';

export interface ObjectError {
  reason: string;
  message: string;
}

export interface PoolObservation {
  generation?: number | undefined;
  /** Higress CRDs that are not installed. */
  missingCrds: readonly string[];
  /** How `spec.fallback` is served: as routes, not at all by operator choice, or not for lack of Istio's CRD. */
  fallback: 'routes' | 'disabled' | 'crd-missing';
  /** Generated objects the API server rejected, by `Kind/name`. */
  objectErrors: ReadonlyMap<string, ObjectError>;
  /** Our names held by objects that are not ours (never overwritten), as `Kind/name` → holder. */
  nameConflicts: ReadonlyMap<string, string>;
  /** The write of the shared gateway objects failed. */
  gatewayError?: ObjectError | undefined;
  /** What the observed gateway objects still lack of this pool; undefined once they carry all of it. */
  waitingFor?: string | undefined;
  /** Other gateway namespaces whose pools use this pool's ingress class. */
  ingressClassSharedWith: readonly string[];
}

export interface PoolStatusResult {
  status: Pick<ModelPoolStatus, 'readyModels' | 'models' | 'generatedObjects'>;
  ready: ConditionInput;
  /** Conditions to set besides Ready. */
  set: ConditionInput[];
  /** Condition types to remove. */
  remove: string[];
}

const CRD_KINDS: Record<string, string> = {
  'wasmplugins.extensions.higress.io': 'WasmPlugin',
  'mcpbridges.networking.higress.io': 'McpBridge',
  'envoyfilters.networking.istio.io': 'EnvoyFilter',
};

const key = (o: Pick<GeneratedObject, 'kind' | 'name'>) => `${o.kind}/${o.name}`;

/** Ready: the first of missing CRDs, name conflicts, rejected objects, gateway errors, unroutable models, convergence. */
function readiness(render: PoolRender, obs: PoolObservation): ConditionInput {
  const gw = render.gatewayNamespace;
  const no = (reason: string, message: string): ConditionInput => ({ type: READY, status: 'False', reason, message });
  if (obs.missingCrds.length) return no('HigressCRDsMissing', `Higress CRDs not installed: ${obs.missingCrds.join(', ')}`);
  if (obs.nameConflicts.size) {
    const list = [...obs.nameConflicts].map(([k, holder]) => `${k} (${holder})`).join(', ');
    return no('NameConflict', `objects of these names in ${gw} are not ours and were left untouched: ${list}`);
  }
  const [firstError] = obs.objectErrors.values();
  if (firstError) return no(firstError.reason, firstError.message);
  if (obs.gatewayError) return no(obs.gatewayError.reason, obs.gatewayError.message);
  const failed = render.models.filter((m) => !m.ready);
  if (failed.length) {
    return no(failed[0]!.reason ?? 'ModelNotRouted', failed.map((m) => `model ${m.name}: ${m.message ?? m.reason}`).join('; '));
  }
  // A stable message: naming the object still missing would rewrite status at every step of convergence.
  if (obs.waitingFor) return no('Pending', `waiting for the shared objects in ${gw} to include this pool`);
  return { type: READY, status: 'True', reason: 'Routed', message: `${counted(render.models.length, 'model')} routed through gateway namespace ${gw}` };
}

function fallbackCondition(render: PoolRender, hasChain: boolean, obs: PoolObservation): ConditionInput | undefined {
  if (!hasChain) return undefined;
  if (obs.fallback === 'routes') {
    return {
      type: FALLBACK,
      status: 'True',
      reason: 'FallbackRoutes',
      message: `a request failing with 4xx/5xx is redirected once to the next model of spec.fallback (console fallback route + EnvoyFilter in ${render.gatewayNamespace})`,
    };
  }
  return obs.fallback === 'disabled'
    ? { type: FALLBACK, status: 'False', reason: 'FallbackRoutesDisabled', message: 'fallback routes are disabled in the operator; only retries apply' }
    : {
        type: FALLBACK,
        status: 'False',
        reason: 'EnvoyFilterCRDMissing',
        message: 'envoyfilters.networking.istio.io is not installed, so failed requests are only retried, not redirected to the next model',
      };
}

/**
 * `spec.cache` as a condition of its own: without its cache the pool still routes every model, so a
 * broken cache (CacheRedisMissing, CacheVectorStoreMissing, CacheEmbeddingMissing, CacheSecretMissing)
 * degrades the pool rather than taking it out of Ready. Messages name the field, never a Secret value.
 */
function cacheCondition(render: PoolRender): ConditionInput | undefined {
  const c = render.cache;
  if (!c) return undefined;
  if (!c.ok) return { type: CACHE, status: 'False', reason: c.reason, message: c.message };
  if (!render.providerIds.length)
    return { type: CACHE, status: 'False', reason: 'NoRoutes', message: 'no model is routed, so no route carries the ai-cache rule' };
  return {
    type: CACHE,
    status: 'True',
    reason: c.semantic ? 'SemanticCache' : 'ExactCache',
    message: `ai-cache rule (enableSemanticCache: ${String(c.semantic)}) on the pool's routes in WasmPlugin ${render.gatewayNamespace}/ai-cache-2.0.1`,
  };
}

function ingressClassCondition(render: PoolRender, obs: PoolObservation): ConditionInput | undefined {
  if (!obs.ingressClassSharedWith.length) return undefined;
  // The ingress class is the only per-Ingress filter a Higress controller applies (alibaba/higress
  // pkg/ingress/kube/ingressv1/controller.go), so two gateways on one class load each other's routes.
  return {
    type: INGRESS_CLASS,
    status: 'False',
    reason: 'SharedWithOtherGateway',
    message: `ingress class ${render.ingressClassName} is also used by pools of gateway namespace(s) ${listSome(obs.ingressClassSharedWith)}; each gateway would serve the other's routes — set spec.gateway.ingressClassName per gateway`,
  };
}

/** Each generated object with the error that keeps it from working, if any. */
function generatedWithErrors(render: PoolRender, obs: PoolObservation): GeneratedObject[] {
  const missingKinds = new Map(obs.missingCrds.map((crd) => [CRD_KINDS[crd] ?? crd, crd]));
  return render.generatedObjects.map((o) => {
    const rejected = obs.objectErrors.get(key(o));
    const holder = obs.nameConflicts.get(key(o));
    const crd = missingKinds.get(o.kind);
    const error = crd ? `CRD ${crd} is not installed` : holder ? `name held by ${holder}; not overwritten` : rejected?.message;
    return error ? { ...o, error } : o;
  });
}

export function modelPoolStatus(render: PoolRender, hasFallbackChain: boolean, obs: PoolObservation): PoolStatusResult {
  const observed = obs.generation !== undefined ? { observedGeneration: obs.generation } : {};
  const set: ConditionInput[] = [];
  const remove: string[] = [];
  for (const [type, c] of [
    [FALLBACK, fallbackCondition(render, hasFallbackChain, obs)],
    [INGRESS_CLASS, ingressClassCondition(render, obs)],
    [CACHE, cacheCondition(render)],
  ] as const) {
    if (c) set.push({ ...c, ...observed });
    else remove.push(type);
  }
  return {
    status: { readyModels: render.readyModels, models: render.models, generatedObjects: generatedWithErrors(render, obs) },
    ready: { ...readiness(render, obs), ...observed },
    set,
    remove,
  };
}

/** Gateway namespaces other than `gatewayNamespace` whose pools use `ingressClass`, sorted. */
export function gatewaysSharingClass(
  pools: readonly { gatewayNamespace: string; ingressClassName: string }[],
  gatewayNamespace: string,
  ingressClass: string,
): string[] {
  return [
    ...new Set(pools.filter((p) => p.ingressClassName === ingressClass && p.gatewayNamespace !== gatewayNamespace).map((p) => p.gatewayNamespace)),
  ].sort();
}
