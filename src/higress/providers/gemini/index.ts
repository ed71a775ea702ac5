import type { ProviderDefinition } from '../types.js';

/** Google Gemini. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const gemini: ProviderDefinition = {
  type: 'gemini',
  aiProxyType: 'gemini',
  defaultEndpoint: 'https://generativelanguage.googleapis.com',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
