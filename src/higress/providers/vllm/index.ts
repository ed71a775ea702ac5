import type { ProviderDefinition } from '../types.js';

/** vLLM's OpenAI-compatible server: the base URL goes to `vllmCustomUrl`. */
export const vllm: ProviderDefinition = {
  type: 'vllm',
  aiProxyType: 'vllm',
  endpointFields: (endpoint) => ({ vllmCustomUrl: endpoint }),
};
