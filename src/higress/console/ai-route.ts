import type { AiStatisticsConfig, KeyAuthRuleConfig, ModelMapperConfig } from '../../contracts/higress/index.js';
import { FALLBACK_FROM_HEADER } from '../../contracts/istio/index.js';
import type { EnvoyFilter, Ingress, MatchRule, RuleOf } from '../types.js';
import { CONFIG_MAP_TYPE_LABEL, consoleMeta, domainLabels, INTERNAL_SUFFIX, normalizeDomain, sortKeys } from './meta.js';

/**
 * Console AI routes: the AiRoute JSON the Higress console keeps in ConfigMap `ai-route-<n>` and every
 * object the console derives from it, built the way the console source does (higress-group/higress-console,
 * backend/sdk/src/main/java/com/alibaba/higress/sdk/):
 * - `service/ai/AiRouteServiceImpl.java` — defaults (`fillDefaultValues`), the route and fallback route,
 *   model-mapper / ai-statistics / model-router instances, the fallback EnvoyFilter;
 * - `service/kubernetes/KubernetesModelConverter.java` — `aiRoute2ConfigMap` (Gson, field declaration
 *   order, nulls dropped), `route2Ingress` (labels, header/path/retry/destination annotations);
 * - `service/RouteServiceImpl.writeAuthConfigResources` — the key-auth allow-list rule of the route;
 * - `resources/templates/envoyfilter-route-fallback.yaml` — the fallback redirect.
 *
 * API for other kinds (SemanticRouter, AgentProduct): describe the route as an {@link AiRoute}, resolve
 * each `upstreams[].provider` to its gateway service ({@link ProviderService}), call
 * {@link buildAiRouteObjects}, apply `configMap`/`ingresses`/`envoyFilters` as whole objects you own, and
 * hand `rules` to `shared-plugins.ts` ({@link AiRouteObjects.shares}) for the console-owned WasmPlugins.
 */

export const MODEL_HEADER = 'x-higress-llm-model';
export { FALLBACK_FROM_HEADER };
export const AI_ROUTE_PREFIX = 'ai-route-';
export const AI_ROUTE_CONFIG_MAP_TYPE = 'ai-route';

export type MatchType = 'EQUAL' | 'PRE' | 'REGULAR';

export interface RoutePredicate {
  matchType: MatchType;
  matchValue: string;
  caseSensitive?: boolean;
}
export interface AiUpstream {
  provider: string;
  weight?: number;
  modelMapping?: Record<string, string>;
}
export interface RouteAuthConfig {
  enabled: boolean;
  allowedCredentialTypes?: string[];
  allowedConsumers?: string[];
}
export interface AiRouteFallbackConfig {
  enabled: boolean;
  upstreams: AiUpstream[];
  /** `RAND` (all upstreams, weight 1 each) or `SEQ` (first upstream only). */
  fallbackStrategy: 'RAND' | 'SEQ';
  responseCodes: ('4xx' | '5xx')[];
}
export interface ProxyNextUpstreamConfig {
  enabled: boolean;
  attempts: number;
  timeout: number;
  conditions: string[];
}
/** `model/ai/AiRoute.java`; field order here is the console's JSON order. */
export interface AiRoute {
  name: string;
  domains: string[];
  pathPredicate: RoutePredicate;
  upstreams: AiUpstream[];
  modelPredicates: RoutePredicate[];
  authConfig: RouteAuthConfig;
  fallbackConfig?: AiRouteFallbackConfig;
  proxyNextUpstream: ProxyNextUpstreamConfig;
  /** Extra Ingress annotations (the console keeps them on every rewrite: `fillIngressAnnotations`). */
  customConfigs?: Record<string, string>;
  /** Extra Ingress labels (`fillIngressLabels`); our owner labels travel here so a console rewrite keeps them. */
  customLabels?: Record<string, string>;
}

/** `AiRouteServiceImpl.DEFAULT_PROXY_NEXT_UPSTREAM_CONFIG`. */
export const DEFAULT_PROXY_NEXT_UPSTREAM: ProxyNextUpstreamConfig = {
  enabled: true,
  attempts: 3,
  timeout: 120,
  conditions: ['error', 'timeout', 'non_idempotent'],
};
/** `RouteServiceImpl.DEFAULT_AUTH_CONFIG`. */
export const DEFAULT_AUTH: RouteAuthConfig = { enabled: false };

/** Gateway service of a provider (`LlmProviderServiceImpl.buildUpstreamService`): `llm-<id>.internal.<type>`, port. */
export interface ProviderService {
  name: string;
  port: number;
}

export const aiRouteIngressName = (route: string) => `${AI_ROUTE_PREFIX}${route}${INTERNAL_SUFFIX}`;
export const aiRouteFallbackIngressName = (route: string) => `${AI_ROUTE_PREFIX}${route}.fallback${INTERNAL_SUFFIX}`;
export const aiRouteConfigMapName = (route: string) => `${AI_ROUTE_PREFIX}${route}`;

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data: Record<string, string>;
}

/** Rules one AI route puts into the console-owned WasmPlugins, by plugin object name. */
export interface AiRouteRules {
  'model-mapper.internal': MatchRule[];
  'ai-statistics-2.0.1': MatchRule[];
  /** Allow-list rules: written when absent, never reverted (they belong to whoever grants access). */
  'key-auth.internal': MatchRule[];
  /** model-router needs its global `modelToHeader` only when the route has model predicates. */
  modelRouter: boolean;
}

export interface AiRouteObjects {
  configMap: ConfigMap;
  ingresses: Ingress[];
  envoyFilters: EnvoyFilter[];
  rules: AiRouteRules;
}

export interface AiRouteContext {
  namespace: string;
  ingressClassName: string;
  /** Resolves `upstreams[].provider` to its gateway service. */
  service(provider: string): ProviderService;
}

/** The AiRoute JSON exactly as `aiRoute2ConfigMap` stores it (Gson: declaration order, no nulls). */
export function aiRouteJson(route: AiRoute): string {
  const pred = (p: RoutePredicate) => ({
    matchType: p.matchType,
    matchValue: p.matchValue,
    ...(p.caseSensitive !== undefined ? { caseSensitive: p.caseSensitive } : {}),
  });
  const up = (u: AiUpstream) => ({
    provider: u.provider,
    ...(u.weight !== undefined ? { weight: u.weight } : {}),
    ...(u.modelMapping ? { modelMapping: u.modelMapping } : {}),
  });
  const auth = route.authConfig;
  const fb = route.fallbackConfig;
  const ordered = {
    name: route.name,
    domains: route.domains,
    pathPredicate: pred(route.pathPredicate),
    upstreams: route.upstreams.map(up),
    modelPredicates: route.modelPredicates.map(pred),
    authConfig: {
      enabled: auth.enabled,
      ...(auth.allowedCredentialTypes ? { allowedCredentialTypes: auth.allowedCredentialTypes } : {}),
      ...(auth.allowedConsumers ? { allowedConsumers: auth.allowedConsumers } : {}),
    },
    ...(fb
      ? { fallbackConfig: { enabled: fb.enabled, upstreams: fb.upstreams.map(up), fallbackStrategy: fb.fallbackStrategy, responseCodes: fb.responseCodes } }
      : {}),
    proxyNextUpstream: route.proxyNextUpstream,
    ...(route.customConfigs ? { customConfigs: route.customConfigs } : {}),
    ...(route.customLabels ? { customLabels: route.customLabels } : {}),
  };
  return JSON.stringify(ordered);
}

/** The AiRoute in a console ConfigMap, or undefined when it holds none (`configMap2AiRoute`). */
export function parseAiRoute(cm: { data?: Record<string, string> | undefined } | undefined): AiRoute | undefined {
  const text = cm?.data?.data;
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { name?: unknown }).name === 'string' ? (parsed as AiRoute) : undefined;
  } catch {
    return undefined;
  }
}

const ANNOTATION_PREFIX: Record<MatchType, string> = { EQUAL: 'exact', PRE: 'prefix', REGULAR: 'regex' };

/** `AiRouteServiceImpl.escapeForRegexMatch`. */
const escapeRegex = (v: string) => v.replace(/[[\]{}()^$|*+?.\\]/g, '\\$&');

/** The header predicate on the model header (`AiRouteServiceImpl.buildRoute`). */
function modelHeaderPredicate(preds: readonly RoutePredicate[]): RoutePredicate | undefined {
  if (!preds.length) return undefined;
  if (preds.length === 1) return { matchType: preds[0]!.matchType, matchValue: preds[0]!.matchValue };
  const alts = preds.map((p) => escapeRegex(p.matchValue) + (p.matchType === 'PRE' ? '.*' : ''));
  return { matchType: 'REGULAR', matchValue: `^(${alts.join('|')})` };
}

interface RouteInput {
  name: string;
  route: AiRoute;
  headers: { key: string; predicate: RoutePredicate }[];
  services: { service: ProviderService; weight: number | undefined }[];
}

/** `KubernetesModelConverter.route2Ingress` for the subset of Route fields an AI route sets. */
function routeIngress(ctx: AiRouteContext, input: RouteInput): Ingress {
  const { route } = input;
  const annotations: Record<string, string> = {};
  for (const h of input.headers) annotations[`higress.io/${ANNOTATION_PREFIX[h.predicate.matchType]}-match-header-${h.key}`] = h.predicate.matchValue;
  const path = route.pathPredicate;
  if (path.matchType === 'REGULAR') annotations['higress.io/use-regex'] = 'true';
  if (path.caseSensitive !== undefined) annotations['higress.io/ignore-path-case'] = String(!path.caseSensitive);
  const pnu = route.proxyNextUpstream;
  // `fillIngressProxyNextUpstreamConfig`: a disabled value is kept under a `disabled.` copy of its key.
  const key = (k: string) => (pnu.enabled ? k : `disabled.${k}`);
  annotations['higress.io/enable-proxy-next-upstream'] = String(pnu.enabled);
  annotations[key('higress.io/proxy-next-upstream-tries')] = String(pnu.attempts);
  annotations[key('higress.io/proxy-next-upstream-timeout')] = String(pnu.timeout);
  if (pnu.conditions.length) annotations[key('higress.io/proxy-next-upstream')] = pnu.conditions.join(',');
  // `fillIngressDestination`: one service ⇒ `name:port`; several ⇒ `W% name:port` lines.
  annotations['higress.io/destination'] =
    input.services.length === 1
      ? `${input.services[0]!.service.name}:${input.services[0]!.service.port}`
      : input.services.map((s) => `${s.weight ?? 100}% ${s.service.name}:${s.service.port}`).join('\n');
  Object.assign(annotations, route.customConfigs ?? {});
  const labels = { ...domainLabels(route.domains), ...(route.customLabels ?? {}) };
  const paths = [
    {
      path: path.matchValue,
      pathType: path.matchType === 'EQUAL' ? ('Exact' as const) : ('Prefix' as const),
      backend: { resource: { apiGroup: 'networking.higress.io' as const, kind: 'McpBridge' as const, name: 'default' as const } },
    },
  ];
  const hosts: (string | undefined)[] = route.domains.length ? route.domains : [undefined];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: consoleMeta(input.name, ctx.namespace, labels, annotations),
    spec: { ingressClassName: ctx.ingressClassName, rules: hosts.map((host) => ({ ...(host ? { host } : {}), http: { paths } })) },
  };
}

/** `templates/envoyfilter-route-fallback.yaml` rendered for `routeName` (name == route name, as the console does). */
export function fallbackEnvoyFilter(
  namespace: string,
  routeName: string,
  responseCodes: readonly string[],
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): EnvoyFilter {
  const codes = responseCodes.length ? responseCodes : ['4xx', '5xx'];
  const single = (code: string) => ({
    single_predicate: {
      input: {
        name: `${code}_response`,
        typed_config: { '@type': 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput' as const },
      },
      value_match: { exact: code },
    },
  });
  const header = { header: { key: FALLBACK_FROM_HEADER, value: routeName }, append: false } as const;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: consoleMeta(routeName, namespace, labels, annotations),
    spec: {
      configPatches: [
        {
          applyTo: 'HTTP_ROUTE',
          match: { context: 'GATEWAY', routeConfiguration: { vhost: { route: { name: routeName } } } },
          patch: {
            operation: 'MERGE',
            value: {
              typed_per_filter_config: {
                'envoy.filters.http.custom_response': {
                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                  type_url: 'type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse',
                  value: {
                    custom_response_matcher: {
                      matcher_list: {
                        matchers: [
                          {
                            predicate: codes.length === 1 ? single(codes[0]!) : { or_matcher: { predicate: codes.map(single) } },
                            on_match: {
                              action: {
                                name: 'action',
                                typed_config: {
                                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                                  type_url: 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy',
                                  value: {
                                    max_internal_redirects: 10,
                                    use_original_request_uri: true,
                                    keep_original_response_code: false,
                                    use_original_request_body: true,
                                    only_redirect_upstream_code: false,
                                    request_headers_to_add: [header],
                                    response_headers_to_add: [header],
                                  },
                                },
                              },
                            },
                          },
                        ],
                      },
                    },
                  },
                },
              },
              with_request_body: { max_request_bytes: 1024000 },
            },
          },
        },
      ],
    },
  };
}

/** `AiRouteServiceImpl.fillDefaultValues`: path `/` case-sensitive, weight 100 for a single upstream, retries. */
export function withConsoleDefaults(route: AiRoute): AiRoute {
  const weigh = (ups: AiUpstream[]) => (ups.length === 1 ? [{ ...ups[0]!, weight: 100 }] : ups);
  return {
    ...route,
    pathPredicate: route.pathPredicate ?? { matchType: 'PRE', matchValue: '/', caseSensitive: true },
    upstreams: weigh(route.upstreams),
    ...(route.fallbackConfig?.enabled ? { fallbackConfig: { ...route.fallbackConfig, upstreams: weigh(route.fallbackConfig.upstreams) } } : {}),
    proxyNextUpstream: route.proxyNextUpstream ?? DEFAULT_PROXY_NEXT_UPSTREAM,
  };
}

/** The key-auth rule `RouteServiceImpl.writeAuthConfigResources` leaves for a route. */
export function keyAuthRule(ingressName: string, auth: RouteAuthConfig): RuleOf<KeyAuthRuleConfig> {
  return { ingress: [ingressName], configDisable: !auth.enabled, config: auth.allowedConsumers ? { allow: auth.allowedConsumers } : {} };
}

/**
 * Everything the console writes for `route` (after {@link withConsoleDefaults}). `metadata` extras go on
 * the ConfigMap (the console keeps only its own labels there, so ownership also lives in `customConfigs`).
 */
export function buildAiRouteObjects(
  ctx: AiRouteContext,
  input: AiRoute,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): AiRouteObjects {
  const route = withConsoleDefaults(input);
  const name = aiRouteIngressName(route.name);
  const modelPred = modelHeaderPredicate(route.modelPredicates);
  const headers = modelPred ? [{ key: MODEL_HEADER, predicate: modelPred }] : [];
  const service = (u: AiUpstream) => ({ service: ctx.service(u.provider), weight: u.weight });
  const ingresses = [routeIngress(ctx, { name, route, headers, services: route.upstreams.map(service) })];
  const envoyFilters: EnvoyFilter[] = [];
  const mapper = (ingress: string, ups: AiUpstream[]): RuleOf<ModelMapperConfig>[] =>
    ups
      .filter((u) => u.modelMapping && Object.keys(u.modelMapping).length)
      .map((u) => ({
        ingress: [ingress],
        service: [ctx.service(u.provider).name],
        configDisable: false,
        config: { modelMapping: u.modelMapping },
      }));
  const stats = (ingress: string): RuleOf<AiStatisticsConfig> => ({
    ingress: [ingress],
    configDisable: false,
    config: { use_default_response_attributes: true },
  });
  const rules: AiRouteRules = {
    'model-mapper.internal': mapper(name, route.upstreams),
    'ai-statistics-2.0.1': [stats(name)],
    'key-auth.internal': [keyAuthRule(name, route.authConfig)],
    modelRouter: route.modelPredicates.length > 0,
  };
  const fb = route.fallbackConfig;
  if (fb?.enabled && fb.upstreams.length) {
    const fbName = aiRouteFallbackIngressName(route.name);
    const ups = fb.fallbackStrategy === 'SEQ' ? [fb.upstreams[0]!] : fb.upstreams.map((u) => ({ ...u, weight: 1 }));
    const fbHeaders = [...headers, { key: FALLBACK_FROM_HEADER, predicate: { matchType: 'EQUAL' as const, matchValue: name, caseSensitive: true } }];
    ingresses.push(routeIngress(ctx, { name: fbName, route, headers: fbHeaders, services: ups.map(service) }));
    envoyFilters.push(fallbackEnvoyFilter(ctx.namespace, name, fb.responseCodes, extra.labels, extra.annotations));
    rules['model-mapper.internal'].push(...mapper(fbName, ups));
    rules['ai-statistics-2.0.1'].push(stats(fbName));
  }
  const configMap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: consoleMeta(
      aiRouteConfigMapName(route.name),
      ctx.namespace,
      sortKeys({ ...(extra.labels ?? {}), [CONFIG_MAP_TYPE_LABEL]: AI_ROUTE_CONFIG_MAP_TYPE }),
      extra.annotations ?? {},
    ),
    data: { data: aiRouteJson(route) },
  };
  return { configMap, ingresses, envoyFilters, rules };
}

/** ConfigMap `domain-<d>` the console keeps per domain (`KubernetesModelConverter.domain2ConfigMap`). */
export function domainConfigMap(namespace: string, domain: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: consoleMeta(`domain-${normalizeDomain(domain)}`, namespace, { ...labels, [CONFIG_MAP_TYPE_LABEL]: 'domain' }, annotations),
    data: { domain, enableHttps: 'off' },
  };
}
