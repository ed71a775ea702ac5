import type { ProviderDefinition } from '../types.js';

/** DeepSeek. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const deepseek: ProviderDefinition = {
  type: 'deepseek',
  aiProxyType: 'deepseek',
  defaultEndpoint: 'https://api.deepseek.com',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
