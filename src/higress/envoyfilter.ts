import type { EnvoyFilter, ObjectMeta } from './types.js';

/** Request header that marks an internally redirected (fallback) request with the route it came from. */
export const FALLBACK_FROM_HEADER = 'x-higress-fallback-from';

export type StatusClass = '4xx' | '5xx';

export interface RouteFallbackInput {
  metadata: ObjectMeta;
  /** Envoy route names to patch; each redirects to itself with `x-higress-fallback-from: <route>`. */
  routes: readonly string[];
  /** Upstream status classes that trigger the redirect (the console's default is both). */
  on?: readonly StatusClass[];
  /** Upper bound of redirects for one request (a chain of n fallbacks needs n). */
  maxRedirects: number;
}

const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const STATUS_CLASS_INPUT = 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput';

function statusPredicate(cls: StatusClass): Record<string, unknown> {
  return {
    single_predicate: {
      input: { name: `${cls}_response`, typed_config: { '@type': STATUS_CLASS_INPUT } },
      value_match: { exact: cls },
    },
  };
}

/**
 * Per-route config for Envoy's custom_response filter (present in the Higress gateway; the console's
 * route fallback relies on it, reference §7.2.6): on a matching upstream status the request is internally
 * redirected — same URI, original body — with `x-higress-fallback-from: <route>` added, so that a fallback
 * Ingress matching that header (and the model header) takes it to the next upstream.
 */
function fallbackRouteConfig(route: string, on: readonly StatusClass[], maxRedirects: number): Record<string, unknown> {
  const header = { header: { key: FALLBACK_FROM_HEADER, value: route }, append: false };
  const predicate = on.length === 1 ? statusPredicate(on[0]!) : { or_matcher: { predicate: on.map(statusPredicate) } };
  return {
    typed_per_filter_config: {
      'envoy.filters.http.custom_response': {
        '@type': TYPED_STRUCT,
        type_url: 'type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse',
        value: {
          custom_response_matcher: {
            matcher_list: {
              matchers: [
                {
                  predicate,
                  on_match: {
                    action: {
                      name: 'fallback',
                      typed_config: {
                        '@type': TYPED_STRUCT,
                        type_url: 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy',
                        value: {
                          max_internal_redirects: maxRedirects,
                          use_original_request_uri: true,
                          use_original_request_body: true,
                          keep_original_response_code: false,
                          // Gateway-generated errors (e.g. rate limits) fall back too, not only upstream ones.
                          only_redirect_upstream_code: false,
                          request_headers_to_add: [header],
                          // Lets clients see that a fallback happened.
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
  };
}

/** One EnvoyFilter patching every route of a fallback chain (sorted, so output is deterministic). */
export function buildRouteFallbackFilter(input: RouteFallbackInput): EnvoyFilter {
  const on = input.on?.length ? input.on : (['4xx', '5xx'] as const);
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: input.metadata,
    spec: {
      configPatches: [...input.routes].sort().map((route) => ({
        applyTo: 'HTTP_ROUTE' as const,
        match: { context: 'GATEWAY' as const, routeConfiguration: { vhost: { route: { name: route } } } },
        patch: { operation: 'MERGE' as const, value: fallbackRouteConfig(route, on, input.maxRedirects) },
      })),
    },
  };
}
