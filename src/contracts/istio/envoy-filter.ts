import { z } from 'zod';

/**
 * The one EnvoyFilter we emit: the AI-route fallback redirect, as the Higress console renders it
 * (higress-group/higress-console `backend/sdk/src/main/resources/templates/envoyfilter-route-fallback.yaml`
 * at c6b4e969, "compatible with the new gateway filter change in 2.1.10", which added `with_request_body`;
 * issue 7 finding 3). The object is Istio's `networking.istio.io/v1alpha3` EnvoyFilter
 * (istio/api `networking/v1alpha3/envoy_filter.proto`: `configPatches[]` of `applyTo`, `match.context`,
 * `match.routeConfiguration.vhost.route.name`, `patch.operation`, `patch.value`), which Higress honours as
 * Istio does. `patch.value` is an opaque Struct to Istio; here it is typed field by field from the console's
 * template, so anything the console would not write (a different redirect count, a missing body limit, an
 * extra key) fails. The string constants are Envoy type URLs the template names.
 */

export const FALLBACK_TEMPLATE = {
  repository: 'higress-group/higress-console',
  path: 'backend/sdk/src/main/resources/templates/envoyfilter-route-fallback.yaml',
  commit: 'c6b4e969',
} as const;

/** `FallbackFromHeader` of the console's constants; the fallback route matches on it. */
export const FALLBACK_FROM_HEADER = 'x-higress-fallback-from';
const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const STATUS_CLASS_INPUT = 'type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput';
const CUSTOM_RESPONSE = 'type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse';
const REDIRECT_POLICY = 'type.googleapis.com/envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy';

/** A status class the template's `HttpResponseStatusCodeClassMatchInput` matches (`4xx`, `5xx`, …). */
const statusClass = z.string().regex(/^[1-5]xx$/, 'a status class such as 4xx');

/** `single_predicate` on one status class; the input is named `<class>_response` as in the template. */
const singlePredicateSchema = z
  .strictObject({
    single_predicate: z.strictObject({
      input: z.strictObject({ name: z.string(), typed_config: z.strictObject({ '@type': z.literal(STATUS_CLASS_INPUT) }) }),
      value_match: z.strictObject({ exact: statusClass }),
    }),
  })
  .refine((p) => p.single_predicate.input.name === `${p.single_predicate.value_match.exact}_response`, 'input name must be <class>_response');

/** One class ⇒ a bare `single_predicate`; several ⇒ `or_matcher` (the template's `#if size == 1`). */
const predicateSchema = z.union([singlePredicateSchema, z.strictObject({ or_matcher: z.strictObject({ predicate: z.array(singlePredicateSchema).min(2) }) })]);

const fallbackHeaderSchema = z.strictObject({
  header: z.strictObject({ key: z.literal(FALLBACK_FROM_HEADER), value: z.string().min(1) }),
  append: z.literal(false),
});

/** The RedirectPolicy values exactly as the template writes them. */
const redirectPolicySchema = z.strictObject({
  max_internal_redirects: z.literal(10),
  use_original_request_uri: z.literal(true),
  keep_original_response_code: z.literal(false),
  use_original_request_body: z.literal(true),
  only_redirect_upstream_code: z.literal(false),
  request_headers_to_add: z.array(fallbackHeaderSchema).length(1),
  response_headers_to_add: z.array(fallbackHeaderSchema).length(1),
});

export const fallbackRouteValueSchema = z.strictObject({
  typed_per_filter_config: z.strictObject({
    'envoy.filters.http.custom_response': z.strictObject({
      '@type': z.literal(TYPED_STRUCT),
      type_url: z.literal(CUSTOM_RESPONSE),
      value: z.strictObject({
        custom_response_matcher: z.strictObject({
          matcher_list: z.strictObject({
            matchers: z
              .array(
                z.strictObject({
                  predicate: predicateSchema,
                  on_match: z.strictObject({
                    action: z.strictObject({
                      name: z.literal('action'),
                      typed_config: z.strictObject({ '@type': z.literal(TYPED_STRUCT), type_url: z.literal(REDIRECT_POLICY), value: redirectPolicySchema }),
                    }),
                  }),
                }),
              )
              .length(1),
          }),
        }),
      }),
    }),
  }),
  /** `use_original_request_body` replays at most this much of the body (the 2.1.10 template's limit). */
  with_request_body: z.strictObject({ max_request_bytes: z.literal(1024000) }),
});
export type FallbackRouteValue = z.infer<typeof fallbackRouteValueSchema>;

const configPatchSchema = z.strictObject({
  applyTo: z.literal('HTTP_ROUTE'),
  match: z.strictObject({
    context: z.literal('GATEWAY'),
    routeConfiguration: z.strictObject({ vhost: z.strictObject({ route: z.strictObject({ name: z.string().min(1) }) }) }),
  }),
  patch: z.strictObject({ operation: z.literal('MERGE'), value: fallbackRouteValueSchema }),
});

export const envoyFilterSchema = z
  .strictObject({
    apiVersion: z.literal('networking.istio.io/v1alpha3'),
    kind: z.literal('EnvoyFilter'),
    metadata: z.strictObject({
      name: z.string().min(1),
      namespace: z.string().min(1),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.strictObject({ configPatches: z.array(configPatchSchema).length(1) }),
  })
  // The console names the filter after the route it patches and tags the redirect with that route's name,
  // which is what the fallback route's `x-higress-fallback-from` header match expects.
  .superRefine((f, ctx) => {
    for (const [i, p] of f.spec.configPatches.entries()) {
      const route = p.match.routeConfiguration.vhost.route.name;
      if (route !== f.metadata.name)
        ctx.addIssue({ code: 'custom', path: ['spec', 'configPatches', i, 'match'], message: 'patched route must be the filter name' });
      const policy =
        p.patch.value.typed_per_filter_config['envoy.filters.http.custom_response'].value.custom_response_matcher.matcher_list.matchers[0]?.on_match.action
          .typed_config.value;
      for (const h of [...(policy?.request_headers_to_add ?? []), ...(policy?.response_headers_to_add ?? [])]) {
        if (h.header.value !== route)
          ctx.addIssue({ code: 'custom', path: ['spec', 'configPatches', i, 'patch'], message: `fallback header value must be '${route}'` });
      }
    }
  });
export type EnvoyFilterContract = z.infer<typeof envoyFilterSchema>;
