import type { ProviderDefinition } from '../types.js';

/** Ollama: ai-proxy wants host and port separately (`ollamaServerHost`/`ollamaServerPort`). */
export const ollama: ProviderDefinition = {
  type: 'ollama',
  aiProxyType: 'ollama',
  endpointFields: (_endpoint, address) => ({ ollamaServerHost: address.host, ollamaServerPort: address.port }),
};
