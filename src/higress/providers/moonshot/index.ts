import type { ProviderDefinition } from '../types.js';

/** Moonshot. A custom endpoint (proxy, regional host) only overrides the domain (`providerDomain`). */
export const moonshot: ProviderDefinition = {
  type: 'moonshot',
  aiProxyType: 'moonshot',
  defaultEndpoint: 'https://api.moonshot.cn',
  endpointFields: (_endpoint, address) => ({ providerDomain: address.host }),
};
