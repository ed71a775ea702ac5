import type { ProviderDefinition } from '../types.js';

/** Anthropic (ai-proxy type claude). A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const anthropic: ProviderDefinition = {
  type: 'anthropic',
  aiProxyType: 'claude',
  defaultEndpoint: 'https://api.anthropic.com',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
