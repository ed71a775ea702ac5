import { z } from 'zod';

/**
 * ai-cache plugin config (reference §5.11), read by `plugins/wasm-go/extensions/ai-cache/config/config.go`
 * `FromJson` and the three provider configs it delegates to: `cache/provider.go`, `vector/provider.go`,
 * `embedding/provider.go` (plus the per-type `InitConfig` of each embedding provider). Rules are whole
 * configs (`wrapper.ParseConfigBy` in `main.go`). The legacy top-level `redis` block is not accepted: it
 * overrides `cache` when present, which a generator never means.
 */

const servicePort = z.int().min(1).max(65535);

/** `cache/provider.go`: port defaults to 80 for `.static` services, else 6379; timeout 10000 ms. */
export const aiCacheStoreSchema = z.strictObject({
  type: z.literal('redis'),
  serviceName: z.string().min(1),
  serviceHost: z.string().optional(),
  servicePort: servicePort.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  timeout: z.int().positive().optional(),
  /** Seconds; 0 = never expire. */
  cacheTTL: z.int().min(0).optional(),
  cacheKeyPrefix: z.string().optional(),
  database: z.int().min(0).optional(),
});

/** `vector/provider.go` `FromJson`; `Validate` rejects other `thresholdRelation` values. */
export const aiCacheVectorSchema = z.strictObject({
  type: z.enum(['dashvector', 'chroma', 'elasticsearch', 'weaviate', 'pinecone', 'qdrant', 'milvus']),
  serviceName: z.string().min(1),
  serviceHost: z.string().optional(),
  servicePort: servicePort.optional(),
  apiKey: z.string().optional(),
  collectionID: z.string().optional(),
  topK: z.int().positive().optional(),
  timeout: z.int().positive().optional(),
  threshold: z.number().optional(),
  thresholdRelation: z.enum(['lt', 'lte', 'gt', 'gte']).optional(),
  esUsername: z.string().optional(),
  esPassword: z.string().optional(),
});

/** `embedding/provider.go` `FromJson` + per-type `InitConfig` (azure `apiVersion`, textin and xfyun ids). */
export const aiCacheEmbeddingSchema = z.strictObject({
  type: z.enum(['dashscope', 'textin', 'cohere', 'openai', 'ollama', 'huggingface', 'xfyun', 'azure']),
  serviceName: z.string().min(1),
  serviceHost: z.string().optional(),
  servicePort: servicePort.optional(),
  timeout: z.int().positive().optional(),
  model: z.string().optional(),
  apiKey: z.string().optional(),
  apiVersion: z.string().optional(),
  textinAppId: z.string().optional(),
  textinSecretCode: z.string().optional(),
  textinMatryoshkaDim: z.int().positive().optional(),
  appId: z.string().optional(),
  apiSecret: z.string().optional(),
});

export const aiCacheConfigSchema = z
  .strictObject({
    cache: aiCacheStoreSchema.optional(),
    vector: aiCacheVectorSchema.optional(),
    embedding: aiCacheEmbeddingSchema.optional(),
    cacheKeyStrategy: z.enum(['lastQuestion', 'allQuestions', 'disabled']).optional(),
    /** Higress defaults it to true; emit it explicitly so the intent is visible. */
    enableSemanticCache: z.boolean().optional(),
    cacheKeyFrom: z.string().min(1).optional(),
    cacheValueFrom: z.string().min(1).optional(),
    cacheStreamValueFrom: z.string().min(1).optional(),
    cacheToolCallsFrom: z.string().min(1).optional(),
    responseTemplate: z.string().min(1).optional(),
    streamResponseTemplate: z.string().min(1).optional(),
  })
  .refine((c) => c.cache !== undefined || c.vector !== undefined || c.embedding !== undefined, {
    message: 'vector, embedding and cache cannot all be empty (config.go Validate)',
    path: ['cache'],
  })
  // Ours, stricter than Higress: a vector lookup embeds the query first, so without an embedding service
  // a semantic cache on a vector store never hits.
  .refine((c) => c.enableSemanticCache === false || c.vector === undefined || c.embedding !== undefined, {
    message: 'a semantic cache on a vector store needs an embedding service',
    path: ['embedding'],
  });
export type AiCacheConfig = z.infer<typeof aiCacheConfigSchema>;
export const aiCacheRuleConfigSchema = aiCacheConfigSchema;
