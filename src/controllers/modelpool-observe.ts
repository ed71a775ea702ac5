import { isReady } from '../kube/conditions.js';
import { modelPoolSpecSchema, type ModelPool } from '../api/v1alpha1/modelpool.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { parseAiRoute, type AiRoute } from '../higress/console/ai-route.js';
import { CONSOLE_PLUGINS, ruleKey, type ConsolePluginName, type SharedWasmPlugin } from '../higress/console/shared-plugins.js';
import type { KubeClient } from '../kube/client.js';
import type { Informer } from '../kube/informer.js';
import { newestShared, type McpBridge } from '../kube/mcpbridge.js';
import { jsonEqual, makeKey, type KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import { cacheSecretNames } from '../higress/ai-cache.js';
import { renderModelPool, type ObservedState, type PoolRender, type SecretData } from '../reconcilers/modelpool.js';
import type { ConfigMapObject } from './modelpool-objects.js';

/**
 * What the ModelPool controller reads from its caches, in one place: installed CRDs, the pool's render
 * (cached per pool/Secret/route version) and whether the observed gateway objects already carry a render.
 */

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
export type ModelPoolObject = ModelPool & KubeObject;

export const HIGRESS_CRDS = ['wasmplugins.extensions.higress.io', 'mcpbridges.networking.higress.io'];
/** Istio's EnvoyFilter, which Higress honours; only fallback routes need it. */
export const ENVOYFILTER_CRD = 'envoyfilters.networking.istio.io';

export interface ObserverDeps {
  client: KubeClient;
  /** The Secrets pools reference: a ReferencedObjects cache (only those Secrets), or any informer-like cache. */
  secrets: SecretCache;
  configMaps: Informer<ConfigMapObject>;
  ingresses: Informer<KubeObject>;
  envoyFilters: Informer<KubeObject>;
  wasmPlugins: Informer<SharedWasmPlugin>;
  mcpBridges: Informer<McpBridge>;
  /** Render `spec.fallback` as fallback routes (default true); false = retries only. */
  fallbackRoutes?: boolean | undefined;
  crdCheckTtlMs?: number | undefined;
  /**
   * The by-name watch of the Higress/Istio CRDs (modelpool-setup.ts): once it has listed, presence is read from
   * it and no reconcile asks the API server. Without it (or before it lists), GETs cached for crdCheckTtlMs.
   */
  crds?: { store: { get(key: string): KubeObject | undefined }; isSynced(key: string): boolean } | undefined;
}

/**
 * Names of the Secrets a pool references: model credentials and `spec.cache`'s Redis/vector/embedding
 * keys. Tolerates a stored spec that does not parse (the watches follow it all the same).
 */
export function secretNamesOf(pool: ModelPoolObject): string[] {
  const models = (pool.spec?.models ?? []).map((m) => m.provider?.credentials?.secretRef?.name).filter((n): n is string => typeof n === 'string' && n !== '');
  return [...new Set([...models, ...cacheSecretNames(pool.spec?.cache)])];
}

export function gatewayNamespaceOf(pool: ModelPoolObject, fallback: string = DEFAULT_HIGRESS_NAMESPACE): string {
  return pool.spec.gateway?.namespace ?? fallback;
}

/**
 * Store indexes of the pools: by gateway namespace, and by `<gateway namespace>/<ingress class>`. The gateway
 * item, the shared-object watches and every pool's IngressClass check read them instead of listing all pools
 * (a list per pool reconcile is quadratic in a burst).
 */
export const POOL_GATEWAY_INDEX = 'modelpool.gateway';
export const POOL_CLASS_INDEX = 'modelpool.gateway-class';
/**
 * Pools of a gateway namespace not Ready at their generation, or being deleted: the ones a shared object's write
 * may concern (modelpool-watches.ts poolsAffectedBy), found without walking every pool of the gateway.
 */
export const POOL_WAITING_INDEX = 'modelpool.gateway-waiting';
export const ingressClassOf = (pool: ModelPoolObject): string => pool.spec.gateway?.ingressClassName ?? 'higress';

export function indexPools(store: Informer<ModelPoolObject>['store']): void {
  store.addIndex(POOL_GATEWAY_INDEX, (p) => [gatewayNamespaceOf(p)]);
  store.addIndex(POOL_CLASS_INDEX, (p) => [`${gatewayNamespaceOf(p)}/${ingressClassOf(p)}`]);
  store.addIndex(POOL_WAITING_INDEX, (p) => (isReadyNow(p) && !p.metadata.deletionTimestamp ? [] : [gatewayNamespaceOf(p)]));
}

/** The pool's status says Ready for its current generation. */
export function isReadyNow(pool: ModelPoolObject): boolean {
  return isReady(pool.status?.conditions, pool.metadata.generation);
}

export interface SecretCache {
  store: { get(key: string): SecretObject | undefined };
  hasSynced(): boolean;
  /** Whether this Secret's cache has listed; absent = always (a cluster-wide informer after its sync). */
  isSynced?(key: string): boolean;
}

export function decodeSecret(secret: SecretObject): SecretData {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

/**
 * Entries and rules of one observed shared object, by id / rule key, compared only where a pool looks them up:
 * each written pass makes a new version of objects holding every pool's entries, and serializing all of them per
 * version was ~6% of the operator's CPU in bench:operator's paced phase (500 pools).
 */
interface SharedIndex {
  entries: Map<string, object>;
  rules: Map<string, object>;
}

/** A pool's last render and what it read: the pool, its Secrets' and its route ConfigMaps' cached objects. */
interface RenderEntry {
  pool: ModelPoolObject;
  fallbackRoutes: boolean;
  /** `<namespace>/<name>` of the Secrets the pool references. */
  secretKeys: readonly string[];
  /** `<gateway>/<name>` of the render's route ConfigMaps (access grants). */
  routeConfigMaps: readonly string[];
  inputs: readonly (KubeObject | undefined)[];
  render: PoolRender | undefined;
}

/**
 * Whether an observed item equals a rendered one. A structural comparison, not canonical JSON: every resync checks
 * every Ready pool against the newest versions, whose items are all new objects (bench:operator, 500 pools:
 * serializing them was most of the cost of a settled pool's reconcile).
 */
function sameItem(observed: object | undefined, rendered: object): boolean {
  return observed !== undefined && (observed === rendered || jsonEqual(observed, rendered));
}

export class PoolObserver {
  /** Computed once per cached object version: hundreds of pools check the same shared objects. */
  private readonly sharedIndex = new WeakMap<object, SharedIndex>();
  /** Per shared object (`Kind/ns/name`): the index of its last indexed version (`uid@resourceVersion`). */
  private readonly lastIndex = new Map<string, { version: string; index: SharedIndex }>();
  private readonly renderCache = new Map<string, RenderEntry>();
  /** The Higress (or Istio) CRDs were installed or removed: forget the cached answer. */
  crdsChanged(): void {
    this.crdCheck = undefined;
  }

  private crdCheck: { at: number; missing: string[]; envoyFilters: boolean } | undefined;
  /** The GETs in flight: concurrent reconciles share one check instead of each sending three. */
  private crdCheckInFlight: Promise<{ missing: string[]; envoyFilters: boolean }> | undefined;

  constructor(private readonly deps: ObserverDeps) {}

  async installedCrds(): Promise<{ missing: string[]; envoyFilters: boolean }> {
    // bench:operator counted 19.5 CRD GETs per pool apply at 100 pools (every worker re-checking once the
    // TTL lapsed, several times per reconcile) although the same CRDs are watched by name.
    const watch = this.deps.crds;
    if (watch && [...HIGRESS_CRDS, ENVOYFILTER_CRD].every((c) => watch.isSynced(c))) {
      return { missing: HIGRESS_CRDS.filter((c) => !watch.store.get(c)), envoyFilters: watch.store.get(ENVOYFILTER_CRD) !== undefined };
    }
    const ttl = this.deps.crdCheckTtlMs ?? 10_000;
    if (this.crdCheck && Date.now() - this.crdCheck.at < ttl) return this.crdCheck;
    this.crdCheckInFlight ??= this.checkCrds().finally(() => (this.crdCheckInFlight = undefined));
    return this.crdCheckInFlight;
  }

  private async checkCrds(): Promise<{ missing: string[]; envoyFilters: boolean }> {
    const at = Date.now();
    const present = await Promise.all(
      [...HIGRESS_CRDS, ENVOYFILTER_CRD].map(async (crd) => (await this.deps.client.get(Resources.CustomResourceDefinition, crd)) !== undefined),
    );
    const check = { at, missing: HIGRESS_CRDS.filter((_, i) => !present[i]), envoyFilters: present[HIGRESS_CRDS.length]! };
    this.crdCheck = check;
    return check;
  }

  /** How `spec.fallback` is served. */
  async fallbackMode(): Promise<'routes' | 'disabled' | 'crd-missing'> {
    if (this.deps.fallbackRoutes === false) return 'disabled';
    return (await this.installedCrds()).envoyFilters ? 'routes' : 'crd-missing';
  }

  /**
   * The pool's render, reused while neither the pool object, a Secret it references nor one of its route
   * ConfigMaps (access grants) changed: the gateway item renders every pool of its namespace.
   * Undefined when the stored spec does not parse.
   */
  render(pool: ModelPoolObject, fallbackRoutes: boolean): PoolRender | undefined {
    const key = makeKey(pool.metadata.namespace, pool.metadata.name);
    const hit = this.renderCache.get(key);
    // The render reads the pool's name and spec only: a status or finalizer write (a new cached object, same
    // generation) keeps it, and with it the render's identity, which the gateway pass's memo compares.
    const samePool =
      hit &&
      (hit.pool === pool ||
        (pool.metadata.generation !== undefined && hit.pool.metadata.generation === pool.metadata.generation && hit.pool.metadata.uid === pool.metadata.uid));
    // Compared by identity (cached objects are immutable; a new version is a new object): the gateway pass checks
    // every pool of its namespace this way, several passes per apply (bench:operator, 500 pools: building version
    // strings for it was ~8% of the operator's CPU in the paced phase).
    if (hit && samePool && hit.fallbackRoutes === fallbackRoutes && this.sameInputs(hit)) return hit.render;
    const ns = pool.metadata.namespace ?? 'default';
    const secretKeys = samePool ? hit.secretKeys : secretNamesOf(pool).map((n) => makeKey(ns, n));
    const parsed = modelPoolSpecSchema.safeParse(pool.spec);
    let render = parsed.success ? renderModelPool({ ...pool, spec: parsed.data }, this.observedFor(pool, hit?.render), { fallbackRoutes }) : undefined;
    // A first render does not know its route names yet; render again once, now reading their grants.
    if (render && !hit?.render) render = renderModelPool({ ...pool, spec: parsed.data! }, this.observedFor(pool, render), { fallbackRoutes });
    // Same output (its route ConfigMap was written, but not its grants): keep the old object, whose identity the
    // gateway pass's memo compares (bench:operator: each new pool's route re-rendered it, one full merge per apply).
    if (render && hit?.render && jsonEqual(render, hit.render)) render = hit.render;
    const gw = gatewayNamespaceOf(pool);
    const routeConfigMaps = (render?.routes ?? []).map((r) => makeKey(gw, r.configMap.metadata.name));
    this.renderCache.set(key, { pool, fallbackRoutes, secretKeys, routeConfigMaps, inputs: this.inputsOf(secretKeys, routeConfigMaps), render });
    return render;
  }

  /** The cached Secrets and route ConfigMaps a render read (undefined where absent), in a fixed order. */
  private inputsOf(secretKeys: readonly string[], routeConfigMaps: readonly string[]): (KubeObject | undefined)[] {
    return [...secretKeys.map((k) => this.deps.secrets.store.get(k)), ...routeConfigMaps.map((k) => this.deps.configMaps.store.get(k))];
  }

  private sameInputs(hit: RenderEntry): boolean {
    const { secretKeys, routeConfigMaps, inputs } = hit;
    for (let i = 0; i < secretKeys.length; i++) if (this.deps.secrets.store.get(secretKeys[i]!) !== inputs[i]) return false;
    for (let i = 0; i < routeConfigMaps.length; i++) if (this.deps.configMaps.store.get(routeConfigMaps[i]!) !== inputs[secretKeys.length + i]) return false;
    return true;
  }

  /** The last render of a pool, if any (for mapping shared-object events to pools without rendering). */
  lastRender(key: string): PoolRender | undefined {
    return this.renderCache.get(key)?.render;
  }

  /** What the pool's last render read: its cached Secrets and route ConfigMaps (identities, see ReconcileMemo). */
  renderInputs(key: string): readonly unknown[] {
    return this.renderCache.get(key)?.inputs ?? [];
  }

  forget(key: string): void {
    this.renderCache.delete(key);
  }

  private observedFor(pool: ModelPoolObject, previous: PoolRender | undefined): ObservedState {
    const ns = pool.metadata.namespace ?? 'default';
    const secrets = new Map<string, SecretData>();
    for (const name of secretNamesOf(pool)) {
      const secret = this.deps.secrets.store.get(makeKey(ns, name));
      if (secret) secrets.set(name, decodeSecret(secret));
    }
    const aiRoutes = new Map<string, Pick<AiRoute, 'authConfig'>>();
    for (const r of previous?.routes ?? []) {
      const stored = parseAiRoute(this.deps.configMaps.store.get(makeKey(previous!.gatewayNamespace, r.configMap.metadata.name)));
      if (stored?.authConfig) aiRoutes.set(r.name, { authConfig: stored.authConfig });
    }
    return { secrets, aiRoutes };
  }

  /** What the observed gateway objects still lack of `render`; undefined once they carry all of it. */
  waitingFor(render: PoolRender, envoyFilters: boolean): string | undefined {
    const gw = render.gatewayNamespace;
    const has = (informer: Informer<KubeObject>, name: string) => informer.store.get(makeKey(gw, name)) !== undefined;
    for (const cm of render.configMaps) if (!has(this.deps.configMaps, cm.metadata.name)) return `ConfigMap ${cm.metadata.name}`;
    for (const i of render.ingresses) if (!has(this.deps.ingresses, i.metadata.name)) return `Ingress ${i.metadata.name}`;
    if (envoyFilters) for (const f of render.envoyFilters) if (!has(this.deps.envoyFilters, f.metadata.name)) return `EnvoyFilter ${f.metadata.name}`;
    if (!render.registries.length) return undefined;
    // Our own last write of a shared object counts as observed (newestShared): the pool need not wait for the
    // watch event of an object that grows with every pool.
    const bridge = newestShared(Resources.McpBridge, this.deps.mcpBridges.store.get(makeKey(gw, 'default')));
    let registries = bridge && this.cachedIndex(bridge)?.entries;
    if (bridge && !registries) {
      registries = new Map((bridge.spec?.registries ?? []).map((r) => [r.name, r]));
      this.rememberIndex(bridge, { entries: registries, rules: new Map() });
    }
    for (const reg of render.registries) {
      if (!sameItem(registries?.get(reg.name), reg)) return `registry ${reg.name} in McpBridge default`;
    }
    for (const [name, share] of Object.entries(render.shares) as [ConsolePluginName, NonNullable<PoolRender['shares'][ConsolePluginName]>][]) {
      const plugin = newestShared(Resources.WasmPlugin, this.deps.wasmPlugins.store.get(makeKey(gw, name)));
      if (!plugin) return `WasmPlugin ${name}`;
      const index = this.indexOf(plugin, name);
      const idField = (CONSOLE_PLUGINS[name] as { list?: { id: string } }).list?.id ?? 'id';
      for (const e of share.entries ?? []) {
        if (!sameItem(index.entries.get(String(e[idField])), e)) return `entry ${String(e[idField])} in WasmPlugin ${name}`;
      }
      for (const r of share.rules ?? []) if (!sameItem(index.rules.get(ruleKey(r)), r)) return `rule in WasmPlugin ${name}`;
      for (const r of share.seedRules ?? []) if (!index.rules.has(ruleKey(r))) return `rule in WasmPlugin ${name}`;
      for (const [k, v] of Object.entries(share.defaults ?? {}))
        if (!jsonEqual(plugin.spec?.defaultConfig?.[k], v)) return `defaultConfig.${k} of WasmPlugin ${name}`;
    }
    return undefined;
  }

  /**
   * The index of this version of a shared object: by identity, else by version. The object our write returned and
   * the watch event's copy of the same version are two objects (each ~1,000 entries and rules per plugin at 500
   * pools), so the second copy reuses the first's index.
   */
  private cachedIndex(shared: KubeObject): SharedIndex | undefined {
    const byIdentity = this.sharedIndex.get(shared);
    if (byIdentity) return byIdentity;
    const { uid, resourceVersion } = shared.metadata;
    const last = this.lastIndex.get(`${shared.kind}/${shared.metadata.namespace}/${shared.metadata.name}`);
    if (!last || resourceVersion === undefined || last.version !== `${uid}@${resourceVersion}`) return undefined;
    this.sharedIndex.set(shared, last.index);
    return last.index;
  }

  private rememberIndex(shared: KubeObject, index: SharedIndex): void {
    this.sharedIndex.set(shared, index);
    const { uid, resourceVersion } = shared.metadata;
    this.lastIndex.set(`${shared.kind}/${shared.metadata.namespace}/${shared.metadata.name}`, { version: `${uid}@${resourceVersion}`, index });
  }

  private indexOf(plugin: SharedWasmPlugin, name: ConsolePluginName): SharedIndex {
    let index = this.cachedIndex(plugin);
    if (!index) {
      const list = (CONSOLE_PLUGINS[name] as { list?: { field: string; id: string } }).list;
      const entries = list ? ((plugin.spec?.defaultConfig?.[list.field] as Record<string, unknown>[] | undefined) ?? []) : [];
      index = {
        entries: new Map(entries.map((e) => [String(e[list!.id]), e])),
        rules: new Map((plugin.spec?.matchRules ?? []).map((r) => [ruleKey(r), r])),
      };
      this.rememberIndex(plugin, index);
    }
    return index;
  }

  /** Whether a shared object still holds anything of `render` (after its pool was deleted). */
  leftoverIn(render: PoolRender): string | undefined {
    const gw = render.gatewayNamespace;
    const names = new Set(render.registries.map((r) => r.name));
    const reg = this.deps.mcpBridges.store.get(makeKey(gw, 'default'))?.spec?.registries?.find((r) => names.has(r.name));
    if (reg) return `registry ${reg.name}`;
    const ids = new Set(render.providerIds);
    const providers = this.deps.wasmPlugins.store.get(makeKey(gw, 'ai-proxy.internal'))?.spec?.defaultConfig?.providers;
    const left = Array.isArray(providers) ? (providers as { id?: unknown }[]).find((p) => ids.has(String(p.id))) : undefined;
    return left ? `ai-proxy provider ${String(left.id)}` : undefined;
  }
}
