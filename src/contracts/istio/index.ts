// Istio objects we emit: only the fallback EnvoyFilter, in the console's form (envoy-filter.ts).
import { envoyFilterSchema, FALLBACK_TEMPLATE } from './envoy-filter.js';

export * from './envoy-filter.js';

/** The versioned envelope, like HIGRESS_CONTRACTS: `version` changes whenever a schema here changes shape. */
export const ISTIO_CONTRACTS = {
  version: 'contracts.higress-ai-operator.io/v1alpha1',
  /** istio/api `networking/v1alpha3/envoy_filter.proto`, the API Higress's Istio fork reads. */
  istio: 'networking.istio.io/v1alpha3',
  template: FALLBACK_TEMPLATE,
  kinds: { 'networking.istio.io/v1alpha3/EnvoyFilter': envoyFilterSchema },
} as const;
