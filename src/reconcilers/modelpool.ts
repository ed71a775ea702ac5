import type { ModelPool, ModelSpec, ModelStatus } from '../api/v1alpha1/modelpool.js';
import type { GeneratedObject } from '../api/v1alpha1/common.js';
import { buildRouteIngress, MODEL_HEADER, type RetryPolicy } from '../higress/ingress.js';
import { buildRegistry, InvalidEndpointError, upstreamFromUrl } from '../higress/mcpbridge.js';
import { buildRouteFallbackFilter, FALLBACK_FROM_HEADER } from '../higress/envoyfilter.js';
import { boundedName, destination, NAME_PREFIX, routeName, serviceHost } from '../higress/names.js';
import type { PluginImageOptions } from '../higress/plugins.js';
import { providerFor } from '../higress/providers/registry.js';
import type { EnvoyFilter, Ingress, MatchRule, McpBridgeRegistry, WasmPlugin } from '../higress/types.js';
import { buildWasmPlugin } from '../higress/wasmplugin.js';
import { buildAiCachePlugin, renderAiCacheRule, type AiCacheOutcome } from '../higress/ai-cache.js';
import { MANAGED_BY, MANAGED_BY_LABEL, ownerAnnotations, ownerLabels, type OwnerRef } from '../kube/owner.js';

/**
 * ModelPool → Higress objects, as pure functions (no I/O, deterministic output for equal input).
 *
 * Per pool: one McpBridge registry and one Ingress per model (in the gateway namespace), an optional alias
 * Ingress splitting by weight, optional fallback Ingresses + EnvoyFilter for `spec.fallback`, and the
 * pool's *contribution* (ai-proxy match rules) to the aggregated plugins. Across pools: {@link renderAggregatePlugins} builds one ai-proxy and one model-router WasmPlugin
 * per gateway namespace (docs/adr/0003-aggregated-wasmplugins.md), and {@link renderRegistries} the
 * operator's share of `McpBridge/default`.
 */

/** Decoded Secret contents (`data` base64-decoded, merged with `stringData` semantics). */
export type SecretData = Readonly<Record<string, string>>;

/** What the reconciler needs to know about the world besides the spec. */
export interface ObservedState {
  /** Secrets in the pool's namespace referenced by the pool, by name; a missing entry means "not found". */
  secrets: ReadonlyMap<string, SecretData>;
}

/** Names of the aggregated WasmPlugins (our own; never the console's `*.internal`). */
export const AI_PROXY_PLUGIN_NAME = `${NAME_PREFIX}-ai-proxy`;
export const MODEL_ROUTER_PLUGIN_NAME = `${NAME_PREFIX}-model-router`;
export const AI_CACHE_PLUGIN_NAME = `${NAME_PREFIX}-ai-cache`;

/** Status reasons a model can carry. */
export type ModelReason = 'Routed' | 'SecretNotFound' | 'SecretKeyMissing' | 'InvalidEndpoint';

/** Everything one pool contributes to the gateway. */
export interface PoolRender {
  pool: { namespace: string; name: string };
  /** Higress system namespace the objects go to. */
  gatewayNamespace: string;
  /** Entries for `McpBridge/default` in the gateway namespace, sorted by name. */
  registries: McpBridgeRegistry[];
  /** Ingresses owned by this pool, sorted by name. */
  ingresses: Ingress[];
  /** Fallback redirects (Istio EnvoyFilter, one per pool with a fallback chain); empty when disabled. */
  envoyFilters: EnvoyFilter[];
  /** ai-proxy matchRules this pool contributes to the aggregated ai-proxy plugin. */
  aiProxyRules: MatchRule[];
  /** spec.cache rendered for the aggregated ai-cache plugin (rule, or the reason it could not be). */
  aiCache?: AiCacheOutcome;
  /** Per-model outcome, in spec order. */
  models: ModelStatus[];
  /** `<routed>/<total>`, for `status.readyModels`. */
  readyModels: string;
  /** Objects this pool's status lists (Ingresses, the McpBridge, the aggregated plugins it relies on). */
  generatedObjects: GeneratedObject[];
}

/** Retry policy used for models in a fallback chain when the pool sets none (console defaults, §7.2). */
export const DEFAULT_RETRIES: RetryPolicy = { attempts: 3, timeoutSeconds: 120, on: ['error', 'timeout', 'non_idempotent'] };

interface RoutedModel {
  spec: ModelSpec;
  registry: McpBridgeRegistry;
}

type TokenResult = { ok: true; tokens: string[] } | { ok: false; reason: ModelReason; message: string };

function resolveTokens(model: ModelSpec, observed: ObservedState): TokenResult {
  const ref = model.provider.credentials?.secretRef;
  if (!ref) return { ok: true, tokens: [] }; // passthrough: the client's Authorization is forwarded
  const secret = observed.secrets.get(ref.name);
  if (!secret) return { ok: false, reason: 'SecretNotFound', message: `Secret ${ref.name} not found` };
  const value = secret[ref.key]?.trim();
  if (!value) {
    return { ok: false, reason: 'SecretKeyMissing', message: `Secret ${ref.name} has no non-empty key ${ref.key}` };
  }
  return { ok: true, tokens: [value] };
}

/** The model name sent upstream. */
const upstreamModelOf = (m: ModelSpec) => m.upstreamModel ?? m.name;

export interface RenderOptions {
  /**
   * Render `spec.fallback` as fallback Ingresses + an Istio EnvoyFilter redirect (`PoolRender.envoyFilters`).
   * Off by default until the caller applies EnvoyFilters; without it fallback chains get retries only.
   */
  fallbackRoutes?: boolean;
}

/**
 * Render one pool. Models whose Secret is missing (or whose endpoint cannot be parsed) are left out and
 * reported in `models[]` with a reason; the other models are still rendered.
 */
export function renderModelPool(pool: ModelPool, observed: ObservedState, options: RenderOptions = {}): PoolRender {
  const fallbackRoutes = options.fallbackRoutes ?? false;
  const ns = pool.metadata.namespace ?? 'default';
  const name = pool.metadata.name;
  const { gateway } = pool.spec;
  const gw = gateway.namespace;
  const owner: OwnerRef = { kind: 'ModelPool', namespace: ns, name };
  const labels = ownerLabels(owner);
  const annotations = ownerAnnotations(owner);
  const inFallback = new Set(pool.spec.fallback ?? []);
  // Every chain entry but the first receives requests for other models.
  const fallbackTargets = new Set(fallbackRoutes ? (pool.spec.fallback ?? []).slice(1) : []);
  const retries: RetryPolicy | undefined = pool.spec.retries ?? (inFallback.size ? DEFAULT_RETRIES : undefined);

  const statuses: ModelStatus[] = [];
  const routed: RoutedModel[] = [];
  const aiProxyRules: MatchRule[] = [];
  const ingresses: Ingress[] = [];

  for (const model of pool.spec.models) {
    const def = providerFor(model.provider.type);
    const regName = boundedName([NAME_PREFIX, ns, name, model.name]);
    const tokens = resolveTokens(model, observed);
    if (!tokens.ok) {
      statuses.push({ name: model.name, ready: false, reason: tokens.reason, message: tokens.message });
      continue;
    }
    const endpoint = model.provider.endpoint ?? def.defaultEndpoint;
    let registry: McpBridgeRegistry;
    let endpointFields: Record<string, unknown> = {};
    try {
      if (!endpoint) throw new InvalidEndpointError(`provider type ${def.type} needs an endpoint`);
      const address = upstreamFromUrl(endpoint);
      registry = buildRegistry(regName, address);
      if (model.provider.endpoint) endpointFields = def.endpointFields(model.provider.endpoint, address);
    } catch (err) {
      if (!(err instanceof InvalidEndpointError)) throw err;
      statuses.push({ name: model.name, ready: false, reason: err.reason, message: err.message });
      continue;
    }

    const provider: Record<string, unknown> = {
      id: regName,
      type: def.aiProxyType,
      protocol: 'openai',
      ...(tokens.tokens.length ? { apiTokens: tokens.tokens } : {}),
      // '*' maps whatever name reached this upstream (the model, the alias, a model falling back to it) to
      // the upstream's model; when only the model's own name can arrive, no mapping is needed.
      ...(model.upstreamModel !== undefined || pool.spec.alias !== undefined || fallbackTargets.has(model.name)
        ? { modelMapping: { '*': upstreamModelOf(model) } }
        : {}),
      ...endpointFields,
    };
    if (inFallback.has(model.name) && tokens.tokens.length) {
      // ai-proxy re-sends a failed request itself before the gateway's proxy-next-upstream retries and,
      // last, the fallback redirect to the next model take over.
      provider.retryOnFailure = { enabled: true, maxRetries: retries?.attempts ?? 1 };
    }
    aiProxyRules.push({
      service: [serviceHost(registry)],
      configDisable: false,
      config: { providers: [provider], activeProviderId: regName },
    });
    routed.push({ spec: model, registry });
    statuses.push({ name: model.name, upstream: destination(registry), ready: true, reason: 'Routed' });
  }

  const route = (input: { name: string; headers: Record<string, string>; to: { target: string; weight: number }[]; retries?: RetryPolicy | undefined }): Ingress =>
    buildRouteIngress({
      metadata: { name: input.name, namespace: gw, labels, annotations },
      ingressClassName: gateway.ingressClassName,
      hosts: gateway.hosts,
      path: gateway.path,
      destinations: input.to,
      exactHeaders: input.headers,
      retries: input.retries,
      timeoutSeconds: pool.spec.timeoutSeconds,
    });

  for (const r of routed) {
    const retryHere = inFallback.has(r.spec.name) || pool.spec.retries ? retries : undefined;
    ingresses.push(
      route({ name: r.registry.name, headers: { [MODEL_HEADER]: r.spec.name }, to: [{ target: destination(r.registry), weight: 100 }], retries: retryHere }),
    );
  }

  if (pool.spec.alias && routed.some((r) => r.spec.weight > 0)) {
    ingresses.push(
      route({
        name: boundedName([NAME_PREFIX, ns, name, 'alias', pool.spec.alias]),
        headers: { [MODEL_HEADER]: pool.spec.alias },
        to: routed.map((r) => ({ target: destination(r.registry), weight: r.spec.weight })),
        retries: pool.spec.retries,
      }),
    );
  }

  // Fallback chains (ADR 0003): a request for chain[i] that fails is internally redirected with
  // x-higress-fallback-from: <route it failed on>; a fallback Ingress matching that header plus the model
  // header sends it to chain[i+1], whose failure redirects again, down to the end of the list.
  const patchedRoutes: string[] = [];
  const chain = (pool.spec.fallback ?? []).map((f) => routed.find((r) => r.spec.name === f)).filter((r): r is RoutedModel => !!r);
  if (fallbackRoutes) {
    chain.forEach((primary, i) => {
      let from = routeName(gw, primary.registry.name, gw);
      for (const next of chain.slice(i + 1)) {
        patchedRoutes.push(from);
        const fbName = boundedName([NAME_PREFIX, ns, name, primary.spec.name, 'fallback', next.spec.name]);
        ingresses.push(
          route({
            name: fbName,
            headers: { [MODEL_HEADER]: primary.spec.name, [FALLBACK_FROM_HEADER]: from },
            to: [{ target: destination(next.registry), weight: 100 }],
            retries,
          }),
        );
        from = routeName(gw, fbName, gw);
      }
    });
  }
  const envoyFilters: EnvoyFilter[] = patchedRoutes.length
    ? [
        buildRouteFallbackFilter({
          metadata: { name: boundedName([NAME_PREFIX, ns, name, 'fallback']), namespace: gw, labels, annotations },
          routes: patchedRoutes,
          maxRedirects: chain.length - 1,
        }),
      ]
    : [];

  ingresses.sort((a, b) => cmp(a.metadata.name, b.metadata.name));
  const registries = routed.map((r) => r.registry).sort((a, b) => cmp(a.name, b.name));
  const generatedObjects: GeneratedObject[] = [...ingresses, ...envoyFilters].map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: gw,
    name: o.metadata.name,
  }));
  if (registries.length) {
    generatedObjects.push(
      { apiVersion: 'networking.higress.io/v1', kind: 'McpBridge', namespace: gw, name: 'default' },
      { apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: gw, name: AI_PROXY_PLUGIN_NAME },
      { apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: gw, name: MODEL_ROUTER_PLUGIN_NAME },
    );
  }
  // spec.cache: one ai-cache rule on this pool's routes; a missing Redis/vector store/Secret is a reason, not a crash.
  const aiCache = pool.spec.cache && ingresses.length
    ? renderAiCacheRule(pool.spec.cache, ingresses.map((i) => i.metadata.name), (r) => observed.secrets.get(r.name)?.[r.key])
    : undefined;
  if (aiCache?.ok) generatedObjects.push({ apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: gw, name: AI_CACHE_PLUGIN_NAME });
  return {
    pool: { namespace: ns, name },
    gatewayNamespace: gw,
    ...(aiCache ? { aiCache } : {}),
    registries,
    ingresses,
    envoyFilters,
    aiProxyRules,
    models: statuses,
    readyModels: `${routed.length}/${pool.spec.models.length}`,
    generatedObjects,
  };
}

export interface AggregateOptions {
  /** Plugin image hub/tag overrides. */
  image?: PluginImageOptions;
}

/**
 * One ai-proxy and one model-router WasmPlugin per gateway namespace that has at least one routed model,
 * built from every pool's contribution. Order of `renders` does not matter: output is sorted.
 *
 * ai-proxy keeps `defaultConfigDisable: true` and puts each provider in its own service rule
 * (`providers: [p]` + `activeProviderId`), so the plugin is inert on routes we do not own and each rule
 * parses one provider, not all of them (see the ADR).
 */
export function renderAggregatePlugins(renders: readonly PoolRender[], options: AggregateOptions = {}): WasmPlugin[] {
  const byNamespace = new Map<string, MatchRule[]>();
  for (const r of renders) {
    if (!r.aiProxyRules.length) continue;
    const rules = byNamespace.get(r.gatewayNamespace) ?? [];
    rules.push(...r.aiProxyRules);
    byNamespace.set(r.gatewayNamespace, rules);
  }
  const out: WasmPlugin[] = [];
  const cacheRules = new Map<string, MatchRule[]>();
  for (const r of renders) if (r.aiCache?.ok) cacheRules.set(r.gatewayNamespace, [...(cacheRules.get(r.gatewayNamespace) ?? []), r.aiCache.rule]);
  for (const [ns, rules] of [...cacheRules].sort(([a], [b]) => cmp(a, b))) {
    out.push(buildAiCachePlugin(AI_CACHE_PLUGIN_NAME, ns, rules, { [MANAGED_BY_LABEL]: MANAGED_BY }, options.image));
  }
  for (const ns of [...byNamespace.keys()].sort(cmp)) {
    out.push(
      buildWasmPlugin({
        plugin: 'model-router',
        metadata: { name: MODEL_ROUTER_PLUGIN_NAME, namespace: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
        image: options.image,
        // Global: the model header must be set before any route (and so any rule) can match.
        defaultConfig: { modelToHeader: MODEL_HEADER },
      }),
      buildWasmPlugin({
        plugin: 'ai-proxy',
        metadata: { name: AI_PROXY_PLUGIN_NAME, namespace: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
        image: options.image,
        matchRules: byNamespace.get(ns),
      }),
    );
  }
  return out;
}

/** The operator's registries for `McpBridge/default` per gateway namespace (sorted, deduplicated by name). */
export function renderRegistries(renders: readonly PoolRender[]): Map<string, McpBridgeRegistry[]> {
  const out = new Map<string, Map<string, McpBridgeRegistry>>();
  for (const r of renders) {
    const m = out.get(r.gatewayNamespace) ?? new Map<string, McpBridgeRegistry>();
    for (const reg of r.registries) m.set(reg.name, reg);
    out.set(r.gatewayNamespace, m);
  }
  return new Map(
    [...out.entries()].sort(([a], [b]) => cmp(a, b)).map(([ns, m]) => [ns, [...m.values()].sort((a, b) => cmp(a.name, b.name))]),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
