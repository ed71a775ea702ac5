import { createHash } from 'node:crypto';
import { buildAiRouteObjects, DEFAULT_AUTH, keyAuthRule, type RouteAuthConfig } from '../higress/console/ai-route.js';
import type { ConsolePluginName, PluginShare } from '../higress/console/shared-plugins.js';
import { consoleAiRouteSchema, type AiProxyProvider, type AiProxyRuleConfig, type ConsoleAiRoute } from '../contracts/higress/index.js';
import type { ConfigMap } from '../higress/console/ai-route.js';
import type { Ingress, McpBridgeRegistry, RuleOf } from '../higress/types.js';
import { ownerAnnotations, ownerLabels, type OwnerRef } from '../kube/owner.js';

/**
 * A SemanticRouter on the gateway, in the Higress console's own forms (reference higress.md §7, §11 and
 * ../shared/reference/higress-console-objects.yaml), so the console lists it and HiMarket can publish `auto`
 * as a model API:
 *
 * - the router is an OpenAI-compatible LLM provider `P`: an entry of WasmPlugin `ai-proxy.internal`
 *   `defaultConfig.providers` with `openaiCustomUrl` (higress-console `OpenaiLlmProviderHandler`), one
 *   `{service: [llm-P.internal.dns], config: {activeProviderId: P}}` match rule, and McpBridge registry
 *   `llm-P.internal` of type dns pointing at the router Service (§7.1.2: the console's form for a custom URL);
 * - each virtual model name is a console AI route `R`: ConfigMap `ai-route-R` holding the AiRoute JSON
 *   (`AiRouteServiceImpl` lists only these, `name` must equal `R`) and the Ingress `ai-route-R.internal` the
 *   console generates from it (`KubernetesModelConverter`): exact header match on `x-higress-llm-model`
 *   (read by `pkg/ingress/kube/annotations/header_control.go`/`match.go` in alibaba/higress), destination
 *   `llm-P.internal.dns:<port>` (`annotations/destination.go`), the console's retry defaults, labels
 *   `higress.io/resource-definer`, `higress.io/internal`, `higress.io/domain_higress-default-domain`;
 * - what the console adds to its shared plugins for every AI route (§7.2.4, `AiRouteServiceImpl`): the
 *   ai-statistics rule `{ingress: [ai-route-R.internal], use_default_response_attributes: true}` (read by
 *   `plugins/wasm-go/extensions/ai-statistics/main.go` `parseConfig`), the key-auth rule of a route without
 *   auth (`configDisable: true`), and model-router's global `modelToHeader` (the header the route matches).
 *
 * The router sends the chosen real model back through the gateway: that request carries a pool model name,
 * so it matches the pool's own route and the pool's ai-proxy provider does the provider work. Nothing here
 * shares a name with a pool's objects (provider and route names carry the `sr-` prefix and a hash), and the
 * virtual names are checked against every pool model name by the reconciler. model-router (`modelToHeader:
 * x-higress-llm-model`, global in `model-router.internal`) extracts the virtual name like any model name; the
 * console enables it for any AI route with model predicates, and so do the pool's console-form objects.
 *
 * This module only renders; merging into the shared objects (`ai-proxy.internal`, McpBridge `default`,
 * `ai-statistics-*`) is the controller's (and, once merged, the console-form builders' of src/higress/console/).
 */

export const ROUTER_MODEL_HEADER = 'x-higress-llm-model';
const CONSOLE_COMMENT = 'PLEASE DO NOT EDIT DIRECTLY. This resource is managed by Higress.';
/** Console defaults for a new AI route (higress.md §7.2.1; the live console wrote exactly these). */
const CONSOLE_RETRIES = { enabled: true, attempts: 3, timeout: 120, conditions: ['error', 'timeout', 'non_idempotent'] };

/** Console names: lowercase DNS-label-ish, stable, marked ours by the `sr-` prefix and a hash of the owner. */
export function consoleName(owner: OwnerRef, suffix = ''): string {
  const hash = createHash('sha256').update(`${owner.namespace}/${owner.name}/${suffix}`).digest('hex').slice(0, 6);
  const clean = `sr-${owner.namespace}-${owner.name}${suffix ? `-${suffix}` : ''}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  // ConfigMap `ai-route-<n>` and Ingress `ai-route-<n>.internal` must stay ≤ 63 characters as labels/names.
  return `${clean.slice(0, 40).replace(/-+$/, '')}-${hash}`;
}

/** One ai-proxy provider entry, the console's form for an OpenAI-compatible custom URL. */
export type ProviderEntry = Required<Pick<AiProxyProvider, 'id' | 'type' | 'protocol' | 'openaiCustomUrl'>>;

/** The AiRoute JSON the console keeps in ConfigMap `ai-route-<name>` (`data.data`). */
export type AiRouteJson = ConsoleAiRoute;

/**
 * The route that puts the router in front of the pool's named traffic (spec.flywheel.sampleNamedModels):
 * requests naming `models` under the path prefix `path` (the pool's path + `/v1/chat/completions`, on the pool's
 * hosts) go to the router, which samples them and sends them on, unchanged, to a path under the pool's prefix
 * that this route does not match (see `routerHopBaseUrl` in semanticrouter.ts), so they land on the pool's own
 * route. Why this shape and not a guard header: docs/router.md "Named-model sampling through the gateway".
 */
export interface NamedModelRoute {
  models: readonly string[];
  path: string;
  domains: readonly string[];
  ingressClassName: string;
}

/** Suffix of the named-model route's console name; `(` cannot occur in a model name, so no virtual route shares it. */
export const NAMED_ROUTE_SUFFIX = '(named)';

export interface RouterGatewayInput {
  owner: OwnerRef;
  gatewayNamespace: string;
  /** Router Service host (FQDN) and port. */
  serviceHost: string;
  servicePort: number;
  virtualModels: readonly string[];
  /**
   * `authConfig` of each route as stored (route name → auth): access grants belong to the grantor (HiMarket
   * approving a subscription through the console, higress.md §11), so a render carries them over, never
   * reverts them. Absent: the console's default for a new route, no auth.
   */
  routeAuth?: ReadonlyMap<string, RouteAuthConfig>;
  /** Named-model sampling through the gateway; absent = the router sees only its virtual names. */
  named?: NamedModelRoute | undefined;
}

/** One console AI route of the router: a virtual name, or the pool's named models (NamedModelRoute). */
export interface RouterRoute {
  kind: 'virtual' | 'named';
  /** The model names its header predicate matches. */
  models: string[];
  name: string;
  json: AiRouteJson;
  configMap: ConfigMap;
  ingress: Ingress;
}

export interface RouterGatewayRender {
  providerId: string;
  provider: ProviderEntry;
  /** For `ai-proxy.internal` spec.matchRules. */
  providerRule: RuleOf<AiProxyRuleConfig>;
  /** For McpBridge `default` spec.registries. */
  registry: McpBridgeRegistry;
  /**
   * Per console plugin, what this router contributes (merged by src/higress/console/shared-plugins.ts).
   * Statistics and key-auth rules are seed rules, as for a pool's routes: the console writes them once and
   * leaves them to the administrator (a consumer granted on `auto` must stay granted).
   */
  shares: Partial<Record<ConsolePluginName, PluginShare>>;
  routes: RouterRoute[];
}

export function renderRouterGateway(input: RouterGatewayInput): RouterGatewayRender {
  const { owner } = input;
  const ns = input.gatewayNamespace;
  const providerId = consoleName(owner);
  const registryName = `llm-${providerId}.internal`;
  const upstream = `${registryName}.dns`;
  const ours = { labels: ownerLabels(owner), annotations: ownerAnnotations(owner) };
  const routes: RouterRoute[] = [...input.virtualModels].sort().map((virtualModel) => {
    const name = consoleName(owner, virtualModel);
    const authConfig = input.routeAuth?.get(name) ?? DEFAULT_AUTH;
    const json: AiRouteJson = {
      name,
      domains: [],
      pathPredicate: { matchType: 'PRE', matchValue: '/', caseSensitive: false },
      upstreams: [{ provider: providerId, weight: 100, modelMapping: {} }],
      modelPredicates: [{ matchType: 'EQUAL', matchValue: virtualModel }],
      authConfig,
      proxyNextUpstream: CONSOLE_RETRIES,
    };
    const configMap: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `ai-route-${name}`,
        namespace: ns,
        labels: { ...ours.labels, 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' },
        annotations: ours.annotations,
      },
      data: { data: JSON.stringify(json) },
    };
    const ingress: Ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: `ai-route-${name}.internal`,
        namespace: ns,
        labels: {
          ...ours.labels,
          'higress.io/domain_higress-default-domain': 'true',
          'higress.io/internal': 'true',
          'higress.io/resource-definer': 'higress',
        },
        annotations: {
          ...ours.annotations,
          'higress.io/comment': CONSOLE_COMMENT,
          'higress.io/destination': `${upstream}:${input.servicePort}`,
          'higress.io/enable-proxy-next-upstream': 'true',
          [`higress.io/exact-match-header-${ROUTER_MODEL_HEADER}`]: virtualModel,
          'higress.io/ignore-path-case': 'true',
          'higress.io/proxy-next-upstream': CONSOLE_RETRIES.conditions.join(','),
          'higress.io/proxy-next-upstream-timeout': String(CONSOLE_RETRIES.timeout),
          'higress.io/proxy-next-upstream-tries': String(CONSOLE_RETRIES.attempts),
        },
      },
      spec: {
        ingressClassName: 'higress',
        rules: [
          {
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' } } }],
            },
          },
        ],
      },
    };
    return { kind: 'virtual' as const, models: [virtualModel], name, json, configMap, ingress };
  });
  if (input.named) routes.push(namedRoute(input, providerId, upstream));
  return {
    providerId,
    provider: { id: providerId, type: 'openai', protocol: 'openai', openaiCustomUrl: `http://${input.serviceHost}:${input.servicePort}/v1` },
    providerRule: { service: [upstream], configDisable: false, config: { activeProviderId: providerId } },
    registry: { name: registryName, type: 'dns', domain: input.serviceHost, port: input.servicePort, protocol: 'http' },
    shares: {
      'ai-statistics-2.0.1': {
        seedRules: routes.map((r) => ({ ingress: [r.ingress.metadata.name], configDisable: false, config: { use_default_response_attributes: true } })),
      },
      'key-auth.internal': { seedRules: routes.map((r) => keyAuthRule(r.ingress.metadata.name, r.json.authConfig)) },
      'model-router.internal': { defaults: { modelToHeader: ROUTER_MODEL_HEADER } },
    },
    routes,
  };
}

/**
 * The named-model route in the console's own form, built by the console builder (src/higress/console/ai-route.ts):
 * several model predicates become one `higress.io/regex-match-header-x-higress-llm-model: ^(a|b)` (higress-console
 * `AiRouteServiceImpl.buildRoute` / `buildModelRoutingHeaderRegex`; Envoy matches a header regex against the whole
 * value). The path predicate is PRE, not EQUAL: the console refuses any other type for an AI route
 * (`AiRoute.validate`: "pathPredicate must be of type PRE."), and a longer Prefix sorts before the pool's shorter
 * one anyway (`SortHTTPRoutes`). Owner marks travel in customConfigs/customLabels so a console rewrite keeps them.
 */
function namedRoute(input: RouterGatewayInput, providerId: string, upstream: string): RouterRoute {
  const named = input.named!;
  const ours = { labels: ownerLabels(input.owner), annotations: ownerAnnotations(input.owner) };
  const name = consoleName(input.owner, NAMED_ROUTE_SUFFIX);
  const models = [...named.models].sort();
  const objs = buildAiRouteObjects(
    { namespace: input.gatewayNamespace, ingressClassName: named.ingressClassName, service: () => ({ name: upstream, port: input.servicePort }) },
    {
      name,
      domains: [...named.domains].sort(),
      pathPredicate: { matchType: 'PRE', matchValue: named.path, caseSensitive: true },
      upstreams: [{ provider: providerId, weight: 100 }],
      modelPredicates: models.map((m) => ({ matchType: 'EQUAL' as const, matchValue: m })),
      authConfig: input.routeAuth?.get(name) ?? DEFAULT_AUTH,
      proxyNextUpstream: CONSOLE_RETRIES,
      customConfigs: ours.annotations,
      customLabels: ours.labels,
    },
    ours,
  );
  // Parsed through the console's contract: what the console (and HiMarket through it) will read back.
  const json = consoleAiRouteSchema.parse(JSON.parse(objs.configMap.data.data ?? '{}'));
  return { kind: 'named', models, name, json, configMap: objs.configMap, ingress: objs.ingresses[0]! };
}
