import { z } from 'zod';

/**
 * ai-proxy plugin config (reference §5.1). Read by `plugins/wasm-go/extensions/ai-proxy/config/config.go`
 * (`providers`, `provider`, `activeProviderId`) and `provider/provider.go` `ProviderConfig.FromJson` (every
 * provider field below, in the order that function reads them). Higress ignores keys it does not read; we
 * reject them (`strictObject`) so a typo in a builder fails a test instead of silently doing nothing.
 */

/** `provider/provider.go` `providerType*` constants; `Validate` rejects any other `type`. */
export const AI_PROXY_PROVIDER_TYPES = [
  'moonshot',
  'azure',
  'ai360',
  'github',
  'qwen',
  'openai',
  'groq',
  'grok',
  'baichuan',
  'yi',
  'deepseek',
  'zhipuai',
  'ollama',
  'claude',
  'baidu',
  'hunyuan',
  'stepfun',
  'minimax',
  'cloudflare',
  'spark',
  'gemini',
  'deepl',
  'mistral',
  'cohere',
  'doubao',
  'coze',
  'together-ai',
  'dify',
  'bedrock',
  'vertex',
  'triton',
  'openrouter',
  'longcat',
  'fireworks',
  'vllm',
  'generic',
] as const;
export type AiProxyProviderType = (typeof AI_PROXY_PROVIDER_TYPES)[number];

/** HTTP status patterns such as `4.*`, `503` (`provider/retry.go`, `provider/failover.go`: regexp match). */
const statusPatterns = z.array(z.string().min(1));

/** `provider/failover.go` `failover.FromJson`; `healthCheckModel` is required once enabled (`Validate`). */
export const aiProxyFailoverSchema = z
  .strictObject({
    enabled: z.boolean(),
    failureThreshold: z.int().positive().optional(),
    successThreshold: z.int().positive().optional(),
    healthCheckInterval: z.int().positive().optional(),
    healthCheckTimeout: z.int().positive().optional(),
    healthCheckModel: z.string().min(1).optional(),
    failoverOnStatus: statusPatterns.optional(),
  })
  .refine((f) => !f.enabled || f.healthCheckModel !== undefined, { message: 'failover.healthCheckModel is required when enabled', path: ['healthCheckModel'] });

/**
 * `provider/retry.go` `retryOnFailure.FromJson`. Retries rotate among the provider's own `apiTokens`
 * (issue 7 finding 2), so a builder should emit it only where a provider has more than one token.
 */
export const aiProxyRetryOnFailureSchema = z.strictObject({
  enabled: z.boolean(),
  maxRetries: z.int().positive().optional(),
  retryTimeout: z.int().positive().optional(),
  retryOnStatus: statusPatterns.optional(),
});

/** `provider/context.go` `ContextConfig.FromJson`. */
const contextSchema = z.strictObject({
  fileUrl: z.url(),
  serviceName: z.string().min(1),
  servicePort: z.int().min(1).max(65535),
});

/** `provider/custom_setting.go` `CustomSetting.FromJson` (value kept raw: any JSON). */
const customSettingSchema = z.strictObject({
  name: z.string().min(1),
  value: z.unknown(),
  mode: z.enum(['auto', 'raw']).optional(),
  overwrite: z.boolean().optional(),
});

/**
 * One `providers[]` entry. Fields that only one provider type reads are accepted on every type (Higress
 * reads them regardless of `type`, and ignores them elsewhere); the ones our builders emit per type are
 * pinned by `src/higress/providers/*` tests.
 */
const providerFields = z.strictObject({
  id: z.string().min(1),
  type: z.enum(AI_PROXY_PROVIDER_TYPES),
  apiTokens: z.array(z.string()).optional(),
  /** ms; side calls only (context file fetch). Default 120000. */
  timeout: z.int().positive().optional(),
  firstByteTimeout: z.int().positive().optional(),
  openaiCustomUrl: z.url().optional(),
  moonshotFileId: z.string().optional(),
  /** Must carry `api-version` (`provider/azure.go` `ValidateConfig`). */
  azureServiceUrl: z
    .url()
    .refine((u) => /[?&]api-version=/.test(u), 'azureServiceUrl must carry an api-version query parameter')
    .optional(),
  qwenFileIds: z.array(z.string()).optional(),
  qwenEnableSearch: z.boolean().optional(),
  qwenEnableCompatible: z.boolean().optional(),
  qwenDomain: z.string().optional(),
  ollamaServerHost: z.string().optional(),
  ollamaServerPort: z.int().min(1).max(65535).optional(),
  /** Exact keys, `prefix*` keys and `*` fallback; `""` keeps the original model. */
  modelMapping: z.record(z.string(), z.string()).optional(),
  /** `Validate` rejects anything but these two. */
  protocol: z.enum(['openai', 'original']).optional(),
  context: contextSchema.optional(),
  claudeVersion: z.string().optional(),
  apiVersion: z.string().optional(),
  hunyuanAuthId: z.string().optional(),
  hunyuanAuthKey: z.string().optional(),
  awsAccessKey: z.string().optional(),
  awsSecretKey: z.string().optional(),
  awsRegion: z.string().optional(),
  bedrockAdditionalFields: z.record(z.string(), z.unknown()).optional(),
  promptCacheRetention: z.string().optional(),
  bedrockPromptCachePointPositions: z.record(z.string(), z.boolean()).optional(),
  minimaxApiType: z.enum(['v2', 'pro']).optional(),
  minimaxGroupId: z.string().optional(),
  cloudflareAccountId: z.string().optional(),
  geminiSafetySetting: z.record(z.string(), z.string()).optional(),
  geminiThinkingBudget: z.int().optional(),
  vertexRegion: z.string().optional(),
  vertexProjectId: z.string().optional(),
  vertexAuthKey: z.string().optional(),
  vertexAuthServiceName: z.string().optional(),
  vertexTokenRefreshAhead: z.int().positive().optional(),
  vertexOpenAICompatible: z.boolean().optional(),
  targetLang: z.string().optional(),
  responseJsonSchema: z.record(z.string(), z.unknown()).optional(),
  customSettings: z.array(customSettingSchema).optional(),
  reasoningContentMode: z.enum(['passthrough', 'ignore', 'concat']).optional(),
  failover: aiProxyFailoverSchema.optional(),
  retryOnFailure: aiProxyRetryOnFailureSchema.optional(),
  difyApiUrl: z.string().optional(),
  botType: z.string().optional(),
  inputVariable: z.string().optional(),
  outputVariable: z.string().optional(),
  tritonModelVersion: z.string().optional(),
  tritonDomain: z.string().optional(),
  /** API name → path; unsupported API names are dropped by Higress, rejected here. */
  capabilities: z.record(z.string(), z.string()).optional(),
  basePath: z.string().optional(),
  basePathHandling: z.enum(['removePrefix', 'prepend']).optional(),
  genericHost: z.string().optional(),
  vllmServerHost: z.string().optional(),
  vllmCustomUrl: z.string().optional(),
  doubaoDomain: z.string().optional(),
  claudeCodeMode: z.boolean().optional(),
  zhipuDomain: z.string().optional(),
  zhipuCodePlanMode: z.boolean().optional(),
  contextCleanupCommands: z.array(z.string()).optional(),
  mergeConsecutiveMessages: z.boolean().optional(),
  providerDomain: z.string().optional(),
  promoteThinkingOnEmpty: z.boolean().optional(),
  hiclawMode: z.boolean().optional(),
  providerBasePath: z.string().optional(),
});

/** Per-type checks Higress makes when it builds the active provider (`<type>.go` `ValidateConfig`). */
function typeRules<T extends { type: AiProxyProviderType; azureServiceUrl?: string | undefined; apiTokens?: string[] | undefined }>(schema: z.ZodType<T>) {
  return schema.superRefine((p, ctx) => {
    if (p.type === 'azure' && !p.azureServiceUrl)
      ctx.addIssue({ code: 'custom', path: ['azureServiceUrl'], message: 'azure providers need azureServiceUrl (provider/azure.go)' });
    if (p.type === 'azure' && !p.apiTokens?.length)
      ctx.addIssue({ code: 'custom', path: ['apiTokens'], message: 'azure providers need an apiToken (provider/azure.go)' });
  });
}

export const aiProxyProviderSchema = typeRules(providerFields);
export type AiProxyProvider = z.infer<typeof aiProxyProviderSchema>;

const uniqueIds = (providers: readonly { id: string }[] | undefined): boolean => new Set((providers ?? []).map((p) => p.id)).size === (providers ?? []).length;

/**
 * Global config (`config/config.go` `FromJson`): the provider list, and optionally which one is active for
 * requests no rule matches. The legacy single `provider` is accepted because Higress still reads it, but it
 * wins over `providers` when both are present, which is never what a generator means.
 */
export const aiProxyConfigSchema = z
  .strictObject({
    providers: z.array(aiProxyProviderSchema).optional(),
    provider: typeRules(providerFields.extend({ id: z.string().min(1).optional() })).optional(),
    activeProviderId: z.string().min(1).optional(),
  })
  .refine((c) => !(c.provider && c.providers), { message: 'set providers or the legacy provider, not both (provider would win)', path: ['provider'] })
  .refine((c) => uniqueIds(c.providers), { message: 'providers[].id must be unique', path: ['providers'] });
export type AiProxyConfig = z.infer<typeof aiProxyConfigSchema>;

/**
 * A matchRule config. ai-proxy parses rule configs with the SDK's override parser (`ParseOverrideConfig` in
 * `main.go`): a rule inherits the global config and overrides keys, so the console's rules carry only
 * `activeProviderId`. A rule may also carry its own `providers` (the operator's pre-console form did).
 */
export const aiProxyRuleConfigSchema = aiProxyConfigSchema;
export type AiProxyRuleConfig = AiProxyConfig;
