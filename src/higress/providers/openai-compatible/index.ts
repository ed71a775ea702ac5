import type { ProviderDefinition } from '../types.js';

/** Any OpenAI-compatible server: ai-proxy type `openai` with `openaiCustomUrl` (reference §5.1). */
export const openaiCompatible: ProviderDefinition = {
  type: 'openai-compatible',
  aiProxyType: 'openai',
  endpointFields: (endpoint) => ({ openaiCustomUrl: endpoint }),
};
