import type { ProviderDefinition } from '../types.js';

/** OpenRouter. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const openrouter: ProviderDefinition = {
  type: 'openrouter',
  aiProxyType: 'openrouter',
  defaultEndpoint: 'https://openrouter.ai',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
