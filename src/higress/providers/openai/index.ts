import type { ProviderDefinition } from '../types.js';

/** OpenAI. A custom endpoint (proxy, gateway) becomes `openaiCustomUrl`, which also sets Host. */
export const openai: ProviderDefinition = {
  type: 'openai',
  aiProxyType: 'openai',
  defaultEndpoint: 'https://api.openai.com/v1',
  endpointFields: (endpoint) => ({ openaiCustomUrl: endpoint }),
};
