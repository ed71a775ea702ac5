import type { AiProxyProvider, AiProxyProviderType } from '../../contracts/higress/index.js';
import type { ProviderType } from '../../api/v1alpha1/modelpool.js';
import type { UpstreamAddress } from '../mcpbridge.js';

/** Provider-specific ai-proxy fields (the contract's, src/contracts/higress/ai-proxy.ts). */
export type EndpointFields = Partial<Omit<AiProxyProvider, 'id' | 'type' | 'apiTokens'>>;

/**
 * What the operator needs to know about one provider type. Tokens are not per provider: ai-proxy reads
 * every provider's key from `apiTokens` (azure accepts exactly one, which is all a pool can reference). Each type lives in its own folder
 * (`providers/<type>/index.ts`) exporting one of these; `registry.ts` lists them.
 */
export interface ProviderDefinition {
  /** Value of ModelPool `spec.models[].provider.type`. */
  readonly type: ProviderType;
  /** ai-proxy `providers[].type` (reference §5.1). */
  readonly aiProxyType: AiProxyProviderType;
  /** Vendor API base URL used when the pool gives no endpoint; absent ⇒ endpoint is mandatory. */
  readonly defaultEndpoint?: string;
  /**
   * Provider-specific ai-proxy fields for a user-supplied endpoint (e.g. `openaiCustomUrl`), given the
   * raw URL and its parsed address. Called only when the pool sets `endpoint`.
   */
  endpointFields(endpoint: string, address: UpstreamAddress): EndpointFields;
}
