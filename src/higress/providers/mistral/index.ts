import type { ProviderDefinition } from '../types.js';

/** Mistral. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const mistral: ProviderDefinition = {
  type: 'mistral',
  aiProxyType: 'mistral',
  defaultEndpoint: 'https://api.mistral.ai',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
