import { z } from 'zod';
import { withCel, type CelRule } from '../crd.js';
import { encoderVolumeSchema } from './encoder.js';
import { DNS_SUBDOMAIN } from './common.js';

/**
 * `spec.cache`: one shape for both caches the operator drives.
 *  - On a ModelPool it becomes the Higress `ai-cache` plugin rule on the pool's routes
 *    (src/higress/ai-cache.ts; keys read by alibaba/higress plugins/wasm-go/extensions/ai-cache/
 *    config/config.go, cache/provider.go, vector/provider.go, embedding/provider.go).
 *  - On a SemanticRouter it configures the router runtime's own verified cache (src/cache/), which
 *    uses `redis`, `ttlSeconds`, `delta` and `maxEntries` and ignores the gateway-only `vector`.
 * Cross-field rules are written once as {rule, message, holds}: CEL at admission, zod in process.
 */

export const cacheSecretRefSchema = z
  .object({
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("Secret name, in the resource's namespace."),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/)
      .describe('Key inside the Secret.'),
  })
  .describe('One key of a Secret in the same namespace.');

// A Higress service name: an FQDN with the registry suffix (`redis.dns`, `redis.static`) or a cluster
// Service (`redis.cache.svc.cluster.local`), as ai-cache's serviceName expects.
const serviceName = z.string().min(1).max(253).regex(DNS_SUBDOMAIN);
const port = z.int().min(1).max(65535);

export const cacheRedisSchema = z
  .object({
    service: serviceName.describe('Redis service as the gateway resolves it (e.g. redis.cache.svc.cluster.local or redis.dns).'),
    port: port.default(6379).describe('Redis port (ai-cache defaults to 80 for .static services, so it is always written).'),
    database: z.int().min(0).max(15).default(0),
    username: z.string().min(1).max(253).optional(),
    passwordSecretRef: cacheSecretRefSchema.optional().describe('Redis password; never written to status or events.'),
    timeoutMs: z.int().min(1).max(60_000).default(1000).describe('Per-command timeout.'),
  })
  .describe('Redis that stores cached answers (the only cache store ai-cache supports).');

export const VECTOR_TYPES = ['dashvector', 'chroma', 'elasticsearch', 'weaviate', 'pinecone', 'qdrant', 'milvus'] as const;
export const EMBEDDING_TYPES = ['dashscope', 'openai', 'azure', 'cohere', 'ollama', 'huggingface', 'textin', 'xfyun'] as const;

export const cacheVectorSchema = z
  .object({
    type: z.enum(VECTOR_TYPES).describe('Vector database ai-cache searches for similar questions.'),
    service: serviceName.describe('Vector database service name.'),
    port: port.default(443),
    collection: z.string().min(1).max(253).describe('Collection (ai-cache collectionID).'),
    apiKeySecretRef: cacheSecretRefSchema.optional(),
    topK: z.int().min(1).max(100).default(1),
    threshold: z
      .number()
      .describe(
        "Acceptance bound on the backend's RAW top-1 score: a distance for chroma/weaviate (hit when below), a " +
          'similarity for qdrant/pinecone/elasticsearch (hit when above). Required: the plugin default (1000, lt) makes every distance a hit.',
      ),
    thresholdRelation: z.enum(['lt', 'lte', 'gt', 'gte']).describe('How a score compares with threshold to count as a hit.'),
    timeoutMs: z.int().min(1).max(60_000).default(10_000),
  })
  .describe('Vector store for the semantic part of ai-cache (gateway only).');

export const cacheEmbeddingSchema = z
  .object({
    type: z.enum(EMBEDDING_TYPES).describe('Embedding provider ai-cache calls (gateway).'),
    service: serviceName.describe('Embedding service name (e.g. a pool model behind the gateway, or dashscope.aliyuncs.com.dns).'),
    port: port.optional(),
    model: z.string().min(1).max(256).optional(),
    apiKeySecretRef: cacheSecretRefSchema.optional(),
    timeoutMs: z.int().min(1).max(60_000).default(10_000),
  })
  .describe('Where question embeddings come from.');

export const cacheEncoderSchema = encoderVolumeSchema.describe(
  'SemanticRouter cache: the volume with the ONNX sentence encoder (model.onnx + tokenizer.json, e.g. all-MiniLM-L6-v2 int8). ' +
    'Without it, and without an openai embedding, the router answers identical questions only.',
);

export const cacheVerifierSchema = z
  .object({
    configMapRef: z
      .object({
        name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("ConfigMap name, in the resource's namespace."),
        key: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[-._a-zA-Z0-9]+$/)
          .describe('Key holding the verifier JSON.'),
      })
      .describe('The verifier file `npm run bench:cache -- --save-verifier FILE` writes, calibrated on your own labelled pairs.'),
  })
  .describe(
    'SemanticRouter cache: the calibrated verifier that makes delta a bound on wrong hits. Without it similar questions are ' +
      'served at a fixed cosine of 0.95 and delta is not enforced (condition Cached=False, Uncalibrated).',
  );

interface CacheRule extends CelRule {
  message: string;
  fieldPath: string;
  holds: (c: CacheSpecInput) => boolean;
}

type CacheSpecInput = { semantic?: boolean | undefined; vector?: unknown; embedding?: unknown; encoder?: unknown; keyStrategy?: string | undefined };

export const CACHE_RULES: CacheRule[] = [
  {
    rule: '!has(self.vector) || has(self.embedding)',
    message: 'vector needs embedding: the vector store is searched with question embeddings',
    fieldPath: '.embedding',
    reason: 'FieldValueRequired',
    holds: (c) => c.vector === undefined || c.embedding !== undefined,
  },
  {
    rule: "!has(self.keyStrategy) || self.keyStrategy != 'disabled' || !has(self.semantic) || !self.semantic",
    message: 'keyStrategy disabled turns caching off; set semantic: false with it or choose lastQuestion/allQuestions',
    fieldPath: '.keyStrategy',
    holds: (c) => c.keyStrategy !== 'disabled' || c.semantic !== true,
  },
  {
    rule: '!has(self.encoder) || !has(self.embedding)',
    message: 'encoder (the router embeds in process) and embedding (an embeddings service) are two sources of question embeddings: set one',
    fieldPath: '.encoder',
    reason: 'FieldValueForbidden',
    holds: (c) => c.encoder === undefined || c.embedding === undefined,
  },
];

const cacheObject = z
  .object({
    redis: cacheRedisSchema.optional().describe('Required on a ModelPool; on a SemanticRouter, omit for an in-memory cache.'),
    vector: cacheVectorSchema.optional(),
    embedding: cacheEmbeddingSchema.optional(),
    semantic: z
      .boolean()
      .optional()
      .describe('Look up similar questions, not only identical ones (ai-cache enableSemanticCache, always written explicitly). Default true.'),
    ttlSeconds: z.int().min(0).max(31_536_000).default(3600).describe('Entry lifetime; 0 keeps entries until evicted.'),
    keyStrategy: z
      .enum(['lastQuestion', 'allQuestions', 'disabled'])
      .optional()
      .describe('Gateway key: the last user question, or all user questions joined (multi-turn). Default lastQuestion.'),
    keyPrefix: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[-_.:a-zA-Z0-9]+$/)
      .optional()
      .describe('Redis key prefix (ai-cache cacheKeyPrefix).'),
    delta: z
      .number()
      .gt(0)
      .max(0.5)
      .default(0.03)
      .describe('SemanticRouter cache: bound on the share of served similar-question hits that are wrong (the one accuracy knob).'),
    maxEntries: z.int().min(1).max(10_000_000).default(10_000).describe('SemanticRouter cache without Redis: in-memory entry limit.'),
    encoder: cacheEncoderSchema.optional(),
    verifier: cacheVerifierSchema.optional(),
  })
  .describe('Response cache for LLM calls.');

export const cacheSpecSchema = withCel(
  cacheObject,
  CACHE_RULES.map(({ holds: _h, ...cel }) => cel),
).superRefine((c, ctx) => {
  for (const r of CACHE_RULES) if (!r.holds(c)) ctx.addIssue({ code: 'custom', path: r.fieldPath.replace(/^\./, '').split('.'), message: r.message });
});

export type CacheSpec = z.output<typeof cacheSpecSchema>;
export type CacheSpecInputType = z.input<typeof cacheSpecSchema>;
