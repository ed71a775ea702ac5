import { errorMessage } from '../util/errors.js';
import { cacheSecretNames } from '../higress/ai-cache.js';
import type { Logger } from 'pino';
import { modelPoolSpecSchema, type ModelPool, type ModelPoolStatus } from '../api/v1alpha1/modelpool.js';
import { modelPoolResource } from './resources.js';
import { boundedName, NAME_PREFIX } from '../higress/names.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import type { EnvoyFilter, Ingress, MatchRule, WasmPlugin } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { READY, removeCondition, setCondition, writeStatus, type Condition, type ConditionInput } from '../kube/conditions.js';
import { isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { syncRegistrySets, type McpBridge } from '../kube/mcpbridge.js';
import { jsonEqual, makeKey, parseKey, stableStringify, type KubeObject } from '../kube/object.js';
import { labelValue, OWNER_NAME_LABEL, ownerId, ownerOf, withOwner, type OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import {
  AI_PROXY_PLUGIN_NAME,
  MODEL_ROUTER_PLUGIN_NAME,
  renderAggregatePlugins,
  renderModelPool,
  type AggregateOptions,
  type ObservedState,
  type PoolRender,
  type SecretData,
} from '../reconcilers/modelpool.js';

/**
 * The ModelPool controller: a thin shell around the pure reconciler.
 *
 * Two kinds of work item share one queue:
 * - `<ns>/<name>` (a pool's key) converges what one pool owns alone: its Ingresses, its finalizer and its
 *   status;
 * - `gateway:<ns>` converges what all pools of a gateway namespace share: the aggregated ai-proxy and
 *   model-router WasmPlugins (docs/adr/0003-aggregated-wasmplugins.md) and every pool's entries in
 *   `McpBridge/default` — one read-merge-write for all pools (owner recorded per entry), so N pools cost
 *   one write, not N serialized ones.
 * A pool is Ready only when the observed shared objects already contain its contribution, so readiness is
 * read from the cluster, never assumed from a write having been sent.
 */

/** Work items for a gateway namespace; pool keys are plain `ns/name` (namespaces cannot contain ':'). */
export const GATEWAY_PREFIX = 'gateway:';
const KIND = 'ModelPool';

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
export type ModelPoolObject = ModelPool & KubeObject;
export type WasmPluginObject = WasmPlugin & KubeObject;
export type IngressObject = Ingress & KubeObject;
export type EnvoyFilterObject = EnvoyFilter & KubeObject;
export interface SecretCache {
  store: { get(key: string): SecretObject | undefined };
  hasSynced(): boolean;
  /** Whether this Secret's cache has listed; absent = always (a cluster-wide informer after its sync). */
  isSynced?(key: string): boolean;
}

/** Records a Kubernetes Event on an object; deduplicated by the implementation. */
export type EventSink = (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface ModelPoolControllerDeps {
  client: KubeClient;
  pools: Informer<ModelPoolObject>;
  /** The Secrets pools reference: a ReferencedObjects cache (only those Secrets), or any informer-like cache. */
  secrets: SecretCache;
  ingresses: Informer<IngressObject>;
  wasmPlugins: Informer<WasmPluginObject>;
  mcpBridges: Informer<McpBridge>;
  /** Fallback redirects (Istio EnvoyFilters) the operator generated. */
  envoyFilters: Informer<EnvoyFilterObject>;
  /** Render `spec.fallback` as fallback routes + EnvoyFilter redirects (default true); false = retries only. */
  fallbackRoutes?: boolean;
  event?: EventSink;
  enqueue(key: string): void;
  log: Logger;
  aggregate?: AggregateOptions;
  /** How long a "Higress CRDs installed?" answer is trusted. */
  crdCheckTtlMs?: number;
}

interface GatewayError {
  reason: string;
  message: string;
}

const HIGRESS_CRDS = ['wasmplugins.extensions.higress.io', 'mcpbridges.networking.higress.io'];
/** Istio's EnvoyFilter, which Higress honours; only fallback chains need it. */
const ENVOYFILTER_CRD = 'envoyfilters.networking.istio.io';
/** Condition type saying how `spec.fallback` is served. */
const FALLBACK = 'Fallback';

export class ModelPoolController {
  private readonly gatewayErrors = new Map<string, GatewayError>();
  private readonly renderCache = new Map<string, { pool: ModelPoolObject; secretVersions: string; render: PoolRender | undefined }>();
  /** Serialized entries of a cached shared object by name, computed once per object version. */
  private readonly entryIndex = new WeakMap<object, Map<string, string>>();
  private crdCheck: { at: number; missing: string[]; envoyFilters: boolean } | undefined;

  constructor(private readonly deps: ModelPoolControllerDeps) {}

  /** Entry point for the work queue. Throws to request a rate-limited retry. */
  async reconcile(key: string): Promise<void> {
    try {
      if (key.startsWith(GATEWAY_PREFIX)) await this.reconcileGateway(key.slice(GATEWAY_PREFIX.length));
      else await this.reconcilePool(key);
    } catch (err) {
      // Both mean our cached copy is stale; the watch event carrying the newer state requeues the key.
      if (isNotFound(err) || isConflict(err)) {
        this.deps.log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
        return;
      }
      throw err;
    }
  }

  /** The Higress (or Istio) CRDs were installed or removed: forget the cached answer. */
  crdsChanged(): void {
    this.crdCheck = undefined;
  }

  /** CRDs whose presence decides what a pool can be (watched by name, see modelpool-setup.ts). */
  static readonly watchedCrds: readonly string[] = [...HIGRESS_CRDS, ENVOYFILTER_CRD];

  // ---- mapping watched objects to work items -------------------------------------------------------

  /** Pools in `namespace` that reference Secret `name`. */
  poolsUsingSecret(namespace: string, name: string): string[] {
    return this.deps.pools.store
      .byNamespace(namespace)
      .filter((p) => p.spec.models.some((m) => m.provider.credentials?.secretRef.name === name) || cacheSecretNames(p.spec.cache).includes(name))
      .map((p) => makeKey(namespace, p.metadata.name));
  }

  /** Every pool whose gateway namespace is `gatewayNamespace`. */
  poolsInGateway(gatewayNamespace: string): string[] {
    return this.deps.pools.store
      .list()
      .filter((p) => gatewayNamespaceOf(p) === gatewayNamespace)
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  /**
   * Pools to look at again after a shared object (McpBridge/default, an aggregated WasmPlugin) changed:
   * those not yet Ready, and Ready ones whose upstream entry is no longer in the object (drift).
   * Requeueing every pool of the gateway instead would be quadratic in the number of pools.
   */
  poolsAffectedBy(shared: KubeObject): string[] {
    const gw = shared.metadata.namespace ?? '';
    let present: Set<string> | undefined;
    if (shared.kind === 'McpBridge') {
      present = new Set(((shared as McpBridge).spec?.registries ?? []).map((r) => r.name));
    } else if (shared.metadata.name === AI_PROXY_PLUGIN_NAME) {
      present = new Set(((shared as WasmPluginObject).spec.matchRules ?? []).map((r) => String(r.config.activeProviderId ?? '')));
    }
    return this.deps.pools.store
      .list()
      .filter((p) => gatewayNamespaceOf(p) === gw)
      .filter((p) => !isReadyNow(p) || (present && p.status?.models?.some((m) => m.ready && m.upstream && !present.has(registryOf(m.upstream)))))
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  /** The pool that owns a generated object, from its owner labels/annotation. */
  static ownerKey(obj: KubeObject): string | undefined {
    const owner = ownerOf(obj);
    return owner && owner.kind === KIND ? makeKey(owner.namespace, owner.name) : undefined;
  }

  // ---- per pool ---------------------------------------------------------------------------------------

  private async reconcilePool(key: string): Promise<void> {
    const { client, log } = this.deps;
    const pool = this.deps.pools.store.get(key);
    if (!pool) {
      this.renderCache.delete(key);
      return; // gone; its cleanup ran under the finalizer
    }
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    const gw = gatewayNamespaceOf(pool);

    if (isBeingDeleted(pool)) {
      await this.finalizePool(pool, owner, gw);
      return;
    }
    const current = hasFinalizer(pool) ? pool : await addFinalizer(client, modelPoolResource, pool);

    const parsed = modelPoolSpecSchema.safeParse(current.spec);
    if (!parsed.success) {
      // Loses nothing: objects generated from the last valid spec stay in place.
      const message = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await this.writePoolStatus(current, { models: current.status?.models, generatedObjects: current.status?.generatedObjects }, {
        type: READY,
        status: 'False',
        reason: 'InvalidSpec',
        message,
      });
      return;
    }

    // A referenced Secret whose cache has not listed yet would read as missing; its sync requeues the pool.
    if (!this.referencedSecretsSynced(current)) return;
    const missingCrds = await this.missingHigressCrds();
    const fallbackRoutes = await this.fallbackRoutesAvailable();
    // The same render the gateway item aggregates (one code path, one cache).
    const render = this.renderCached(current, fallbackRoutes)!;
    const objectError = missingCrds.length === 0 ? await this.applyOwned(render, owner, fallbackRoutes) : undefined;
    // Only when the shared objects lack (or still hold) something of ours does the gateway need a look.
    if (this.missingFromGateway(render)) this.deps.enqueue(GATEWAY_PREFIX + gw);

    const ready = this.readiness(render, gw, missingCrds, objectError);
    if (ready.status === 'True' && current.status && !isReadyNow(current)) {
      this.deps.event?.(current, 'Normal', 'Ready', `all ${render.models.length} models are routed through ${gw}`);
    } else if (ready.status === 'False' && ready.reason !== 'Pending' && getReadyReason(current) !== ready.reason) {
      this.deps.event?.(current, 'Warning', ready.reason, ready.message);
    }
    await this.writePoolStatus(current, { models: render.models, generatedObjects: render.generatedObjects }, ready, this.fallbackCondition(current, fallbackRoutes));
    log.debug({ pool: key, ready: ready.status, reason: ready.reason }, 'reconciled ModelPool');
  }

  /** Apply the pool's own objects in the gateway namespace (Ingresses; EnvoyFilters when served) and prune stale ones. */
  private async applyOwned(render: PoolRender, owner: OwnerRef, envoyFiltersServed: boolean): Promise<GatewayError | undefined> {
    const gw = render.gatewayNamespace;
    const error = await this.applySet(Resources.Ingress, this.deps.ingresses, render.ingresses, owner, gw);
    if (!envoyFiltersServed) return error;
    return (await this.applySet(Resources.EnvoyFilter, this.deps.envoyFilters, render.envoyFilters, owner, gw)) ?? error;
  }

  private async applySet<T extends KubeObject>(
    rt: ResourceType,
    informer: Informer<T>,
    desired: readonly { metadata: { name: string } }[],
    owner: OwnerRef,
    gw: string,
  ): Promise<GatewayError | undefined> {
    let error: GatewayError | undefined;
    for (const obj of desired) {
      const observed = informer.store.get(makeKey(gw, obj.metadata.name));
      try {
        await applyIfChanged(this.deps.client, rt, withOwner(obj as unknown as T, owner), { observed, trustObservedAbsence: true });
      } catch (err) {
        error ??= { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${gw}/${obj.metadata.name}: ${errorMessage(err)}` };
      }
    }
    const keep = new Set(desired.map((o) => o.metadata.name));
    const existing = this.owned(informer, owner, gw);
    if (existing.some((o) => !keep.has(o.metadata.name ?? ''))) await pruneOwned(this.deps.client, rt, gw, owner, keep, existing);
    return error;
  }

  private readiness(render: PoolRender, gw: string, missingCrds: string[], objectError: GatewayError | undefined): ConditionInput {
    const base = { type: READY };
    if (missingCrds.length) {
      return { ...base, status: 'False', reason: 'HigressCRDsMissing', message: `Higress CRDs not installed: ${missingCrds.join(', ')}` };
    }
    if (objectError) return { ...base, status: 'False', reason: objectError.reason, message: objectError.message };
    const gatewayError = this.gatewayErrors.get(gw);
    if (gatewayError) return { ...base, status: 'False', reason: gatewayError.reason, message: gatewayError.message };
    const failed = render.models.filter((m) => !m.ready);
    if (failed.length) {
      return {
        ...base,
        status: 'False',
        reason: failed[0]!.reason ?? 'ModelNotRouted',
        message: failed.map((m) => `model ${m.name}: ${m.message ?? m.reason}`).join('; '),
      };
    }
    // A stable message: naming the object still missing would rewrite status at every step of convergence.
    const waitingFor = this.missingFromGateway(render);
    if (waitingFor) {
      this.deps.log.debug({ pool: render.pool, waitingFor }, 'pool not Ready yet');
      return { ...base, status: 'False', reason: 'Pending', message: `waiting for the shared objects in ${gw} to include this pool` };
    }
    return { ...base, status: 'True', reason: 'Routed', message: `${render.models.length} models routed through gateway namespace ${gw}` };
  }

  /** Why the observed shared objects do not yet carry this pool's contribution; undefined when they do. */
  private missingFromGateway(render: PoolRender): string | undefined {
    const gw = render.gatewayNamespace;
    for (const ingress of render.ingresses) {
      if (!this.deps.ingresses.store.get(makeKey(gw, ingress.metadata.name))) return `waiting for Ingress ${gw}/${ingress.metadata.name}`;
    }
    for (const filter of render.envoyFilters) {
      if (!this.deps.envoyFilters.store.get(makeKey(gw, filter.metadata.name))) return `waiting for EnvoyFilter ${gw}/${filter.metadata.name}`;
    }
    if (!render.registries.length) return undefined;
    const bridge = this.bridge(gw);
    const registries = bridge ? this.indexed(bridge, bridge.spec?.registries ?? [], (r) => r.name) : new Map<string, string>();
    for (const reg of render.registries) {
      if (registries.get(reg.name) !== stableStringify(reg)) return `waiting for registry ${reg.name} in McpBridge ${gw}/default`;
    }
    const proxy = this.deps.wasmPlugins.store.get(makeKey(gw, AI_PROXY_PLUGIN_NAME));
    // Several rules may activate one provider (per-route fallback rules), so rules are keyed by content.
    const rules = proxy ? this.indexed(proxy, proxy.spec.matchRules ?? [], stableStringify) : new Map<string, string>();
    for (const rule of render.aiProxyRules) {
      if (!rules.has(stableStringify(rule))) return `waiting for WasmPlugin ${gw}/${AI_PROXY_PLUGIN_NAME}`;
    }
    if (!this.deps.wasmPlugins.store.get(makeKey(gw, MODEL_ROUTER_PLUGIN_NAME))) return `waiting for WasmPlugin ${gw}/${MODEL_ROUTER_PLUGIN_NAME}`;
    return undefined;
  }

  private async finalizePool(pool: ModelPoolObject, owner: OwnerRef, gw: string): Promise<void> {
    if (!hasFinalizer(pool)) return;
    // "Nothing of ours is left" can only be read from caches that have listed at least once. Without the
    // Higress CRDs there is nothing of ours in Higress objects, and deletion must not hang on them.
    const higressGone = (await this.missingHigressCrds()).length > 0;
    const filtersServed = (await this.installedCrds()).envoyFilters;
    const shared = [...(higressGone ? [] : [this.deps.mcpBridges, this.deps.wasmPlugins]), ...(filtersServed ? [this.deps.envoyFilters] : [])];
    if (![this.deps.ingresses, ...shared].every((i) => i.hasSynced())) {
      throw new CachesNotSyncedError('object caches have not synced yet; finalization waits');
    }
    const existing = this.owned(this.deps.ingresses, owner, gw);
    if (existing.length) await pruneOwned(this.deps.client, Resources.Ingress, gw, owner, new Set(), existing);
    const filters = filtersServed ? this.owned(this.deps.envoyFilters, owner, gw) : [];
    if (filters.length) await pruneOwned(this.deps.client, Resources.EnvoyFilter, gw, owner, new Set(), filters);
    this.deps.enqueue(GATEWAY_PREFIX + gw);
    const leftover = higressGone ? undefined : this.sharedLeftovers(pool, gw);
    if (leftover) {
      this.deps.log.debug({ pool: owner, leftover }, 'waiting for shared gateway objects to drop the pool');
      return; // the WasmPlugin/McpBridge update brings us back
    }
    await removeFinalizer(this.deps.client, modelPoolResource, pool);
  }

  /** Something of a deleted pool that is still present in the shared objects, or undefined. */
  private sharedLeftovers(pool: ModelPoolObject, gw: string): string | undefined {
    const ns = pool.metadata.namespace ?? 'default';
    const ids = new Set(pool.spec.models.map((m) => boundedName([NAME_PREFIX, ns, pool.metadata.name, m.name])));
    const reg = this.bridge(gw)?.spec?.registries?.find((r) => ids.has(r.name));
    if (reg) return `registry ${reg.name}`;
    const proxy = this.deps.wasmPlugins.store.get(makeKey(gw, AI_PROXY_PLUGIN_NAME));
    const rule = proxy?.spec.matchRules?.find((r) => ids.has(String(r.config.activeProviderId ?? '')));
    if (rule) return `ai-proxy rule ${String(rule.config.activeProviderId)}`;
    return undefined;
  }

  private indexed<E>(owner: object, entries: readonly E[], id: (e: E) => string): Map<string, string> {
    let index = this.entryIndex.get(owner);
    if (!index) {
      index = new Map(entries.map((e) => [id(e), stableStringify(e)]));
      this.entryIndex.set(owner, index);
    }
    return index;
  }

  private bridge(gw: string): McpBridge | undefined {
    return this.deps.mcpBridges.store.get(makeKey(gw, 'default'));
  }

  private owned<T extends KubeObject>(informer: Informer<T>, owner: OwnerRef, gw: string): T[] {
    return informer.store.byLabel(OWNER_NAME_LABEL, labelValue(owner.name)).filter((i) => {
      const o = ownerOf(i);
      return i.metadata.namespace === gw && o !== undefined && o.kind === owner.kind && o.namespace === owner.namespace && o.name === owner.name;
    });
  }

  /** How `spec.fallback` is served; undefined (condition removed) when the pool has no fallback chain. */
  private fallbackCondition(pool: ModelPoolObject, routes: boolean): ConditionInput | undefined {
    if (!pool.spec.fallback?.length) return undefined;
    if (routes) {
      return { type: FALLBACK, status: 'True', reason: 'FallbackRoutes', message: 'failed requests are redirected down the fallback list (EnvoyFilter)' };
    }
    const disabled = this.deps.fallbackRoutes === false;
    return {
      type: FALLBACK,
      status: 'False',
      reason: disabled ? 'FallbackRoutesDisabled' : 'EnvoyFilterCRDMissing',
      message: disabled
        ? 'fallback routes are disabled in the operator; only retries apply'
        : `${ENVOYFILTER_CRD} is not installed, so failed requests are only retried, not redirected to the next model`,
    };
  }

  private async writePoolStatus(
    pool: ModelPoolObject,
    parts: Pick<ModelPoolStatus, 'models' | 'generatedObjects'>,
    ready: ConditionInput,
    fallback?: ConditionInput,
  ): Promise<void> {
    const generation = pool.metadata.generation;
    const observed = generation !== undefined ? { observedGeneration: generation } : {};
    let conditions = setCondition(pool.status?.conditions as Condition[] | undefined, { ...ready, ...observed });
    conditions = fallback ? setCondition(conditions, { ...fallback, ...observed }) : removeCondition(conditions, FALLBACK);
    const status: ModelPoolStatus = {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions,
      ...(parts.models ? { models: parts.models } : {}),
      ...(parts.generatedObjects ? { generatedObjects: parts.generatedObjects } : {}),
    };
    await writeStatus(this.deps.client, modelPoolResource, pool, status);
  }

  /**
   * The pool's render, reused while neither the pool object nor any Secret it references changed: the
   * gateway item renders every pool of its namespace, and a 500-pool gateway re-rendered on each event
   * would be wasted work. Undefined when the stored spec does not parse.
   */
  private renderCached(pool: ModelPoolObject, fallbackRoutes: boolean): PoolRender | undefined {
    const key = makeKey(pool.metadata.namespace, pool.metadata.name);
    const ns = pool.metadata.namespace ?? 'default';
    const secretVersions = [...pool.spec.models.map((m) => m.provider.credentials?.secretRef.name), ...cacheSecretNames(pool.spec.cache)]
      .filter((n): n is string => n !== undefined)
      .map((n) => `${n}@${this.deps.secrets.store.get(makeKey(ns, n))?.metadata.resourceVersion ?? '-'}`)
      .join(',')
      .concat(fallbackRoutes ? '|fallback' : '');
    const hit = this.renderCache.get(key);
    if (hit && hit.pool === pool && hit.secretVersions === secretVersions) return hit.render;
    const parsed = modelPoolSpecSchema.safeParse(pool.spec);
    const render = parsed.success ? renderModelPool({ ...pool, spec: parsed.data }, this.observedFor(pool), { fallbackRoutes }) : undefined;
    this.renderCache.set(key, { pool, secretVersions, render });
    return render;
  }

  private referencedSecretsSynced(pool: ModelPoolObject): boolean {
    const { isSynced } = this.deps.secrets;
    if (!isSynced) return true;
    const ns = pool.metadata.namespace ?? 'default';
    return pool.spec.models.every((m) => {
      const name = m.provider.credentials?.secretRef.name;
      return name === undefined || isSynced.call(this.deps.secrets, makeKey(ns, name));
    });
  }

  private observedFor(pool: ModelPoolObject): ObservedState {
    const ns = pool.metadata.namespace ?? 'default';
    const secrets = new Map<string, SecretData>();
    for (const name of [...pool.spec.models.map((m) => m.provider.credentials?.secretRef.name), ...cacheSecretNames(pool.spec.cache)]) {
      if (!name || secrets.has(name)) continue;
      const secret = this.deps.secrets.store.get(makeKey(ns, name));
      if (secret) secrets.set(name, decodeSecret(secret));
    }
    return { secrets };
  }

  private async missingHigressCrds(): Promise<string[]> {
    return (await this.installedCrds()).missing;
  }

  /** Whether fallback chains can be rendered as routes: enabled and Istio's EnvoyFilter is served. */
  private async fallbackRoutesAvailable(): Promise<boolean> {
    return (this.deps.fallbackRoutes ?? true) && (await this.installedCrds()).envoyFilters;
  }

  private async installedCrds(): Promise<{ missing: string[]; envoyFilters: boolean }> {
    const ttl = this.deps.crdCheckTtlMs ?? 10_000;
    const now = Date.now();
    if (this.crdCheck && now - this.crdCheck.at < ttl) return this.crdCheck;
    const missing: string[] = [];
    for (const crd of HIGRESS_CRDS) {
      if (!(await this.deps.client.get(Resources.CustomResourceDefinition, crd))) missing.push(crd);
    }
    const envoyFilters = (await this.deps.client.get(Resources.CustomResourceDefinition, ENVOYFILTER_CRD)) !== undefined;
    this.crdCheck = { at: now, missing, envoyFilters };
    return this.crdCheck;
  }

  // ---- per gateway namespace --------------------------------------------------------------------------

  private async reconcileGateway(gw: string): Promise<void> {
    // A partial pool list would read as "those pools are gone" and release their entries.
    const { pools, secrets, wasmPlugins, mcpBridges } = this.deps;
    if (![pools, secrets, wasmPlugins, mcpBridges].every((i) => i.hasSynced())) {
      throw new CachesNotSyncedError('caches have not synced yet; the gateway waits');
    }
    const live = this.deps.pools.store.list().filter((p) => gatewayNamespaceOf(p) === gw && !isBeingDeleted(p));
    const liveOwners = new Set(live.map((p) => ownerId(poolOwner(p))));
    const fallbackRoutes = await this.fallbackRoutesAvailable();
    const renders = live.flatMap((p) => {
      const render = this.renderCached(p, fallbackRoutes);
      return render ? [render] : [];
    });
    const before = this.gatewayErrors.get(gw);
    try {
      if ((await this.missingHigressCrds()).length) return; // pools report it; nothing can be written
      const plugins = renderAggregatePlugins(renders, this.deps.aggregate);
      const names = new Set(plugins.map((p) => p.metadata.name));
      const writePlugins = async () => {
        for (const plugin of plugins) {
          const observed = this.deps.wasmPlugins.store.get(makeKey(gw, plugin.metadata.name));
          await applyIfChanged(this.deps.client, Resources.WasmPlugin, plugin as WasmPluginObject, { observed, trustObservedAbsence: true });
        }
        for (const stale of [AI_PROXY_PLUGIN_NAME, MODEL_ROUTER_PLUGIN_NAME].filter((n) => !names.has(n))) {
          if (this.deps.wasmPlugins.store.get(makeKey(gw, stale))) await this.deps.client.delete(Resources.WasmPlugin, stale, gw);
        }
      };
      const writeRegistries = () =>
        syncRegistrySets(this.deps.client, {
          namespace: gw,
          desired: new Map(renders.map((r) => [ownerId({ kind: KIND, ...r.pool }), r.registries.map((reg) => ({ ...reg }))])),
          // Entries of pools that are gone (or being deleted) go; a live pool whose spec no longer parses keeps its.
          release: (id) => id.startsWith(`${KIND}/`) && !liveOwners.has(id),
          cached: this.bridge(gw),
        });
      // Independent objects: a new pool waits for both, so write them side by side.
      await Promise.all([writePlugins(), writeRegistries()]);
      this.gatewayErrors.delete(gw);
    } catch (err) {
      this.gatewayErrors.set(gw, { reason: `Gateway${reasonOf(err)}`, message: `gateway namespace ${gw}: ${errorMessage(err)}` });
      throw err;
    } finally {
      const after = this.gatewayErrors.get(gw);
      // Pools report gateway errors in their status, so they must look again when one appears or clears.
      if (!jsonEqual(before, after)) for (const k of this.poolsInGateway(gw)) this.deps.enqueue(k);
    }
  }
}

export class CachesNotSyncedError extends Error {
  readonly reason = 'CachesNotSynced';
}

export function gatewayNamespaceOf(pool: ModelPoolObject, fallback: string = DEFAULT_HIGRESS_NAMESPACE): string {
  return pool.spec.gateway?.namespace ?? fallback;
}

export function decodeSecret(secret: SecretObject): SecretData {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

function isReadyNow(pool: ModelPoolObject): boolean {
  const generation = pool.metadata.generation;
  return pool.status?.conditions?.some((c) => c.type === READY && c.status === 'True' && c.observedGeneration === generation) ?? false;
}

function poolOwner(pool: ModelPoolObject): OwnerRef {
  return { kind: KIND, namespace: pool.metadata.namespace ?? 'default', name: pool.metadata.name };
}

/** `aiop-x.dns:443` → `aiop-x`: the registry (and ai-proxy provider id) behind a model's upstream. */
function registryOf(upstream: string): string {
  return upstream.replace(/\.(dns|static):\d+$/, '');
}

function getReadyReason(pool: ModelPoolObject): string | undefined {
  return pool.status?.conditions?.find((c) => c.type === READY)?.reason;
}
