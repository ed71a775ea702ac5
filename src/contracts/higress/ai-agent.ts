import { z } from 'zod';

/**
 * ai-agent plugin config (reference §5.9): a ReAct loop inside the gateway over OpenAPI-described tools.
 * Read by `plugins/wasm-go/extensions/ai-agent/config.go` (`initAPIs`, `initReActPromptTpl`, `initLLMClient`,
 * `initJsonResp`); rules are whole configs (`wrapper.ParseConfigBy` in `main.go`).
 */

const templateSchema = z.strictObject({
  question: z.string().optional(),
  thought1: z.string().optional(),
  observation: z.string().optional(),
  thought2: z.string().optional(),
});

/** `initAPIs`: serviceName, servicePort, domain and api are required; api is an OpenAPI YAML/JSON string. */
export const aiAgentApiSchema = z.strictObject({
  apiProvider: z.strictObject({
    serviceName: z.string().min(1),
    servicePort: z.int().min(1).max(65535),
    domain: z.string().min(1),
    /** ms; default 50000. */
    maxExecutionTime: z.int().positive().optional(),
    apiKey: z.strictObject({ in: z.enum(['header', 'query', 'none']).optional(), name: z.string().optional(), value: z.string().optional() }).optional(),
  }),
  api: z.string().min(1),
});

export const aiAgentConfigSchema = z.strictObject({
  /** `initLLMClient`: an OpenAI-compatible chat endpoint reached as a cluster (`serviceName` e.g. `x.dns`). */
  llm: z.strictObject({
    apiKey: z.string().optional(),
    serviceName: z.string().min(1),
    servicePort: z.int().min(1).max(65535),
    domain: z.string().min(1),
    path: z.string().min(1),
    model: z.string().min(1),
    /** Defaults 15 iterations, 50000 ms, 1000 tokens. */
    maxIterations: z.int().positive().optional(),
    maxExecutionTime: z.int().positive().optional(),
    maxTokens: z.int().positive().optional(),
  }),
  apis: z.array(aiAgentApiSchema).min(1),
  /** Unknown languages fall back to EN (`initReActPromptTpl`); we reject them. */
  promptTemplate: z
    .strictObject({ language: z.enum(['EN', 'CH']).optional(), enTemplate: templateSchema.optional(), chTemplate: templateSchema.optional() })
    .optional(),
  jsonResp: z.strictObject({ enable: z.boolean(), jsonSchema: z.record(z.string(), z.unknown()).optional() }).optional(),
  returnResponseTemplate: z.string().optional(),
});
export type AiAgentConfig = z.infer<typeof aiAgentConfigSchema>;
export const aiAgentRuleConfigSchema = aiAgentConfigSchema;
