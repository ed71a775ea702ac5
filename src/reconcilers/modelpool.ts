import type { AiProxyProvider, AiProxyRuleConfig } from '../contracts/higress/index.js';
import type { ModelPool, ModelSpec, ModelStatus } from '../api/v1alpha1/modelpool.js';
import type { GeneratedObject } from '../api/v1alpha1/common.js';
import {
  buildAiRouteObjects,
  DEFAULT_AUTH,
  DEFAULT_PROXY_NEXT_UPSTREAM,
  MODEL_HEADER,
  type AiRoute,
  type AiUpstream,
  type ConfigMap,
  type ProviderService,
} from '../higress/console/ai-route.js';
import { consoleName } from '../higress/console/meta.js';
import type { ConsolePluginName, PluginShare } from '../higress/console/shared-plugins.js';
import { renderAiCacheRule, type AiCacheOutcome } from '../higress/ai-cache.js';
import { percentages } from '../higress/ingress.js';
import { buildRegistry, InvalidEndpointError, upstreamFromUrl } from '../higress/mcpbridge.js';
import { serviceHost } from '../higress/names.js';
import { providerFor } from '../higress/providers/registry.js';
import type { EnvoyFilter, Ingress, MatchRule, McpBridgeRegistry, RuleOf } from '../higress/types.js';
import type { EndpointFields } from '../higress/providers/types.js';
import { OWNER_ANNOTATION, ownerId, ownerLabels, type OwnerRef } from '../kube/owner.js';
import { byCodeUnit } from '../util/order.js';

/**
 * ModelPool → Higress objects in the Higress console's own forms (docs/adr/0003-console-native-objects.md),
 * as pure functions (no I/O, equal input ⇒ equal output).
 *
 * Per routed model `m` of pool `ns/name`, with `<p> = consoleName([ns, name, m])`:
 * - an LLM provider `<p>`: entry of `ai-proxy.internal` `defaultConfig.providers` + its service rule, and
 *   registry `llm-<p>.internal` in `McpBridge/default` (higress.md §7.1);
 * - a console AI route `<p>` matching `model == m`: ConfigMap `ai-route-<p>`, Ingress
 *   `ai-route-<p>.internal`, its model-mapper / ai-statistics / key-auth rules and, for a model in
 *   `spec.fallback`, the fallback Ingress + EnvoyFilter towards the next model of the list (§7.2).
 * `spec.alias` is one more AI route whose upstreams are the weighted models.
 */

/** Decoded Secret contents (`data` base64-decoded, merged with `stringData` semantics). */
export type SecretData = Readonly<Record<string, string>>;

/** What the reconciler needs to know about the world besides the spec. */
export interface ObservedState {
  /** Secrets in the pool's namespace referenced by the pool, by name; a missing entry means "not found". */
  secrets: ReadonlyMap<string, SecretData>;
  /**
   * AI routes as stored in their ConfigMaps, by route name. Only `authConfig` is read: access grants
   * (HiMarket through the console) belong to the grantor, so a render carries them over, never reverts them.
   */
  aiRoutes?: ReadonlyMap<string, Pick<AiRoute, 'authConfig'>>;
}

/** Status reasons a model can carry. */
export type ModelReason = 'Routed' | 'SecretNotFound' | 'SecretKeyMissing' | 'InvalidEndpoint';

/** Everything one pool contributes to the gateway; the names the controller needs travel here. */
export interface PoolRender {
  pool: { namespace: string; name: string };
  owner: OwnerRef;
  /** `Kind/namespace/name`: the owner id in shared objects' owners records. */
  ownerId: string;
  gatewayNamespace: string;
  ingressClassName: string;
  /** Entries for `McpBridge/default`, sorted by name. */
  registries: McpBridgeRegistry[];
  /** Provider ids (= AI route names) of routed models, in spec order. */
  providerIds: string[];
  /** The pool's console AI routes, each with the objects derived from it (ownership follows the route). */
  routes: RouteRender[];
  /** Whole objects this pool owns in the gateway namespace (the routes' objects, flattened and sorted). */
  configMaps: ConfigMap[];
  ingresses: Ingress[];
  envoyFilters: EnvoyFilter[];
  /** Entries and rules this pool puts into the console-owned WasmPlugins. */
  shares: Partial<Record<ConsolePluginName, PluginShare>>;
  /** Route domains; each needs a console ConfigMap `domain-<d>`. */
  domains: string[];
  /** Per-model outcome, in spec order. */
  models: ModelStatus[];
  /** `spec.cache`: the ai-cache rule's outcome (the rules travel in `shares`), absent without a cache. */
  cache?: AiCacheOutcome | undefined;
  /** `<routed>/<total>`, for `status.readyModels`. */
  readyModels: string;
  /** Objects this pool's status lists. */
  generatedObjects: GeneratedObject[];
}

export interface RouteRender {
  /** AI route name `<n>`. */
  name: string;
  configMap: ConfigMap;
  ingresses: Ingress[];
  envoyFilters: EnvoyFilter[];
}

/** Retries of a pool that sets none: the console's default for AI routes. */
export const DEFAULT_RETRIES = {
  attempts: DEFAULT_PROXY_NEXT_UPSTREAM.attempts,
  timeoutSeconds: DEFAULT_PROXY_NEXT_UPSTREAM.timeout,
  on: DEFAULT_PROXY_NEXT_UPSTREAM.conditions,
};

type TokenResult = { ok: true; tokens: string[] } | { ok: false; reason: ModelReason; message: string };

/** API tokens of a model: the Secret value, one token per non-empty line (ai-proxy rotates among them). */
function resolveTokens(model: ModelSpec, observed: ObservedState): TokenResult {
  const ref = model.provider.credentials?.secretRef;
  if (!ref) return { ok: true, tokens: [] }; // passthrough: the client's Authorization is forwarded
  const secret = observed.secrets.get(ref.name);
  if (!secret) return { ok: false, reason: 'SecretNotFound', message: `Secret ${ref.name} not found` };
  const tokens = (secret[ref.key] ?? '')
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!tokens.length) return { ok: false, reason: 'SecretKeyMissing', message: `Secret ${ref.name} has no non-empty key ${ref.key}` };
  return { ok: true, tokens };
}

const upstreamModelOf = (m: ModelSpec) => m.upstreamModel ?? m.name;

export interface RenderOptions {
  /** Render `spec.fallback` as fallback routes + EnvoyFilter (needs Istio's EnvoyFilter CRD); else retries only. */
  fallbackRoutes?: boolean;
}

interface RoutedModel {
  spec: ModelSpec;
  id: string;
  registry: McpBridgeRegistry;
}

/** The gateway service of a provider registry (`LlmProviderServiceImpl.buildUpstreamService`). */
function serviceOf(reg: McpBridgeRegistry): ProviderService {
  return { name: serviceHost(reg), port: reg.type === 'static' ? 80 : reg.port };
}

/**
 * Render one pool. Models whose Secret is missing (or whose endpoint cannot be parsed) are left out and
 * reported in `models[]` with a reason; the other models are still rendered.
 */
export function renderModelPool(pool: ModelPool, observed: ObservedState, options: RenderOptions = {}): PoolRender {
  const ns = pool.metadata.namespace ?? 'default';
  const name = pool.metadata.name;
  const { gateway } = pool.spec;
  const gw = gateway.namespace;
  const owner: OwnerRef = { kind: 'ModelPool', namespace: ns, name };
  const id = ownerId(owner);
  const chain = pool.spec.fallback ?? [];
  const inFallback = new Set(chain);

  const statuses: ModelStatus[] = [];
  const routed: RoutedModel[] = [];
  const providers: AiProxyProvider[] = [];
  const proxyRules: RuleOf<AiProxyRuleConfig>[] = [];

  for (const model of pool.spec.models) {
    const def = providerFor(model.provider.type);
    const pid = consoleName([ns, name, model.name]);
    const tokens = resolveTokens(model, observed);
    if (!tokens.ok) {
      statuses.push({ name: model.name, ready: false, reason: tokens.reason, message: tokens.message });
      continue;
    }
    const endpoint = model.provider.endpoint ?? def.defaultEndpoint;
    let registry: McpBridgeRegistry;
    let endpointFields: EndpointFields = {};
    try {
      if (!endpoint) throw new InvalidEndpointError(`provider type ${def.type} needs an endpoint`);
      const address = upstreamFromUrl(endpoint);
      registry = buildRegistry(`llm-${pid}.internal`, address);
      if (model.provider.endpoint) endpointFields = def.endpointFields(model.provider.endpoint, address);
    } catch (err) {
      if (!(err instanceof InvalidEndpointError)) throw err;
      statuses.push({ name: model.name, ready: false, reason: err.reason, message: err.message });
      continue;
    }
    providers.push({
      id: pid,
      type: def.aiProxyType,
      protocol: 'openai',
      ...(tokens.tokens.length ? { apiTokens: tokens.tokens } : {}),
      // ai-proxy retries only by rotating to another token of the same provider (alibaba/higress
      // plugins/wasm-go/extensions/ai-proxy/provider/retry.go): with one token it cannot act.
      ...(tokens.tokens.length > 1 && (inFallback.has(model.name) || pool.spec.retries)
        ? { retryOnFailure: { enabled: true, maxRetries: Math.min(tokens.tokens.length - 1, pool.spec.retries?.attempts ?? DEFAULT_RETRIES.attempts) } }
        : {}),
      ...endpointFields,
    });
    // LlmProviderServiceImpl: one service rule per provider, service name without port.
    proxyRules.push({ service: [serviceHost(registry)], configDisable: false, config: { activeProviderId: pid } });
    routed.push({ spec: model, id: pid, registry });
    statuses.push({ name: model.name, upstream: `${serviceOf(registry).name}:${serviceOf(registry).port}`, ready: true, reason: 'Routed' });
  }

  const services = new Map(routed.map((r) => [r.id, serviceOf(r.registry)]));
  const ctx = {
    namespace: gw,
    ingressClassName: gateway.ingressClassName,
    service: (p: string) => services.get(p) ?? { name: `llm-${p}.internal.dns`, port: 443 },
  };
  const labels = ownerLabels(owner);
  const annotations = { [OWNER_ANNOTATION]: id };
  const retries = pool.spec.retries;
  const routeBase = (routeName: string): Omit<AiRoute, 'upstreams' | 'modelPredicates'> => ({
    name: routeName,
    domains: [...(gateway.hosts ?? [])].sort(),
    pathPredicate: { matchType: 'PRE', matchValue: gateway.path, caseSensitive: true },
    authConfig: observed.aiRoutes?.get(routeName)?.authConfig ?? DEFAULT_AUTH,
    proxyNextUpstream: retries
      ? { enabled: true, attempts: retries.attempts, timeout: retries.timeoutSeconds, conditions: [...retries.on] }
      : DEFAULT_PROXY_NEXT_UPSTREAM,
    customConfigs: { ...annotations, ...(pool.spec.timeoutSeconds !== undefined ? { 'higress.io/timeout': String(pool.spec.timeoutSeconds) } : {}) },
    customLabels: labels,
  });
  // '*' maps whatever name reached the upstream to its model; needed only where the names differ.
  const upstream = (r: RoutedModel, weight?: number, force = false): AiUpstream => ({
    provider: r.id,
    ...(weight !== undefined ? { weight } : {}),
    ...(force || r.spec.upstreamModel !== undefined ? { modelMapping: { '*': upstreamModelOf(r.spec) } } : {}),
  });

  const routes: AiRoute[] = [];
  const routedChain = chain.map((f) => routed.find((r) => r.spec.name === f)).filter((r): r is RoutedModel => !!r);
  for (const r of routed) {
    const at = routedChain.indexOf(r);
    const next = at >= 0 ? routedChain[at + 1] : undefined;
    routes.push({
      ...routeBase(r.id),
      upstreams: [upstream(r, 100)],
      modelPredicates: [{ matchType: 'EQUAL', matchValue: r.spec.name }],
      // The console's one fallback route per AI route: SEQ sends a failed request to the next model.
      ...(options.fallbackRoutes && next
        ? {
            fallbackConfig: {
              enabled: true,
              upstreams: [upstream(next, 100, true)],
              fallbackStrategy: 'SEQ' as const,
              responseCodes: ['4xx' as const, '5xx' as const],
            },
          }
        : {}),
    });
  }
  const weighted = routed.filter((r) => r.spec.weight > 0);
  if (pool.spec.alias && weighted.length) {
    const pct = percentages(weighted.map((r) => r.spec.weight));
    routes.push({
      ...routeBase(consoleName([ns, name, 'alias', pool.spec.alias])),
      upstreams: weighted.map((r, i) => upstream(r, pct[i], true)),
      modelPredicates: [{ matchType: 'EQUAL', matchValue: pool.spec.alias }],
    });
  }

  const configMaps: ConfigMap[] = [];
  const ingresses: Ingress[] = [];
  const envoyFilters: EnvoyFilter[] = [];
  const mapperRules: MatchRule[] = [];
  const statsRules: MatchRule[] = [];
  const authRules: MatchRule[] = [];
  const routeRenders: RouteRender[] = [];
  for (const route of routes) {
    const objs = buildAiRouteObjects(ctx, route, { labels, annotations });
    routeRenders.push({ name: route.name, configMap: objs.configMap, ingresses: objs.ingresses, envoyFilters: objs.envoyFilters });
    configMaps.push(objs.configMap);
    ingresses.push(...objs.ingresses);
    envoyFilters.push(...objs.envoyFilters);
    mapperRules.push(...objs.rules['model-mapper.internal']);
    statsRules.push(...objs.rules['ai-statistics-2.0.1']);
    authRules.push(...objs.rules['key-auth.internal']);
  }
  // spec.cache: one ai-cache rule per route Ingress, the form the console writes when a plugin is
  // configured on a route (one `ingress: [ai-route-<n>.internal]` rule each), on every Ingress that
  // carries the statistics rule (fallback routes too: an internal redirect runs their filter chain).
  const cacheSpec = pool.spec.cache;
  const secretOf = (ref: { name: string; key: string }) => observed.secrets.get(ref.name)?.[ref.key];
  const cache = cacheSpec ? renderAiCacheRule(cacheSpec, [], secretOf) : undefined;
  const cacheRules: MatchRule[] = cache?.ok ? statsRules.flatMap((r) => (r.ingress ?? []).map((i) => ({ ...cache.rule, ingress: [i] }))) : [];
  const shares: PoolRender['shares'] = routed.length
    ? {
        'ai-proxy.internal': { entries: providers, rules: proxyRules },
        'model-router.internal': { defaults: { modelToHeader: MODEL_HEADER } },
        'model-mapper.internal': { rules: mapperRules },
        // The console writes the statistics rule once and leaves it to the administrator afterwards.
        'ai-statistics-2.0.1': { seedRules: statsRules },
        'key-auth.internal': { seedRules: authRules },
        ...(cacheRules.length ? { 'ai-cache-2.0.1': { rules: cacheRules } } : {}),
      }
    : {};

  const byName = <T extends { metadata: { name: string } }>(xs: T[]) => xs.sort((a, b) => byCodeUnit(a.metadata.name, b.metadata.name));
  byName(configMaps);
  byName(ingresses);
  byName(envoyFilters);
  const registries = routed.map((r) => r.registry).sort((a, b) => byCodeUnit(a.name, b.name));
  const generatedObjects: GeneratedObject[] = [...configMaps, ...ingresses, ...envoyFilters].map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: gw,
    name: o.metadata.name,
  }));
  if (registries.length) {
    generatedObjects.push({ apiVersion: 'networking.higress.io/v1', kind: 'McpBridge', namespace: gw, name: 'default' });
    for (const plugin of Object.keys(shares).sort(byCodeUnit)) {
      generatedObjects.push({ apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: gw, name: plugin });
    }
  }
  return {
    pool: { namespace: ns, name },
    owner,
    ownerId: id,
    gatewayNamespace: gw,
    ingressClassName: gateway.ingressClassName,
    registries,
    providerIds: routed.map((r) => r.id),
    routes: routeRenders.sort((a, b) => byCodeUnit(a.name, b.name)),
    configMaps,
    ingresses,
    envoyFilters,
    shares,
    domains: [...(gateway.hosts ?? [])].sort(),
    models: statuses,
    ...(cache ? { cache } : {}),
    readyModels: `${routed.length}/${pool.spec.models.length}`,
    generatedObjects,
  };
}
