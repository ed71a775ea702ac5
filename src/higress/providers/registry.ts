import type { ProviderType } from '../../api/v1alpha1/modelpool.js';
import { anthropic } from './anthropic/index.js';
import { azure } from './azure/index.js';
import { deepseek } from './deepseek/index.js';
import { gemini } from './gemini/index.js';
import { groq } from './groq/index.js';
import { mistral } from './mistral/index.js';
import { moonshot } from './moonshot/index.js';
import { ollama } from './ollama/index.js';
import { openaiCompatible } from './openai-compatible/index.js';
import { openai } from './openai/index.js';
import { openrouter } from './openrouter/index.js';
import { qwen } from './qwen/index.js';
import type { ProviderDefinition } from './types.js';
import { vllm } from './vllm/index.js';

/** Every provider type; the `satisfies` makes a new ProviderType without a folder a compile error. */
export const PROVIDERS = {
  openai,
  'openai-compatible': openaiCompatible,
  azure,
  qwen,
  deepseek,
  anthropic,
  gemini,
  moonshot,
  mistral,
  groq,
  openrouter,
  ollama,
  vllm,
} as const satisfies Record<ProviderType, ProviderDefinition>;

export function providerFor(type: ProviderType): ProviderDefinition {
  return PROVIDERS[type];
}

export type { ProviderDefinition } from './types.js';
