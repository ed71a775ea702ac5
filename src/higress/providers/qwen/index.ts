import type { ProviderDefinition } from '../types.js';

/** Alibaba Cloud DashScope (Qwen). A custom endpoint only overrides the domain (`qwenDomain`). */
export const qwen: ProviderDefinition = {
  type: 'qwen',
  aiProxyType: 'qwen',
  defaultEndpoint: 'https://dashscope.aliyuncs.com',
  endpointFields: (_endpoint, address) => ({ qwenDomain: address.host }),
};
