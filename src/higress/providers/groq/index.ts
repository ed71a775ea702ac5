import type { ProviderDefinition } from '../types.js';

/** Groq. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const groq: ProviderDefinition = {
  type: 'groq',
  aiProxyType: 'groq',
  defaultEndpoint: 'https://api.groq.com',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
