import type { ProviderDefinition } from '../types.js';

/** Azure OpenAI: the full deployment URL including `?api-version=` goes to `azureServiceUrl`. */
export const azure: ProviderDefinition = {
  type: 'azure',
  aiProxyType: 'azure',
  endpointFields: (endpoint) => ({ azureServiceUrl: endpoint }),
};
