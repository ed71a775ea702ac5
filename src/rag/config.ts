import { z } from 'zod';

// The one document the operator renders into the RAG server's ConfigMap. Versioned so a runtime can
// refuse a config written for a shape it does not understand instead of silently misreading it.
export const RAG_CONFIG_VERSION = 'rag.higress-ai-operator.io/v1alpha1';

const endpoint = z.object({
  baseUrl: z.string().url(),
  model: z.string().min(1),
  // Name of an environment variable holding the API key; the key itself never sits in the config.
  apiKeyEnv: z.string().optional(),
  timeoutMs: z.number().int().positive().default(20000),
});

export const ragConfigSchema = z.object({
  version: z.literal(RAG_CONFIG_VERSION),
  server: z
    .object({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  store: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('lancedb'),
        path: z.string().min(1),
        table: z.string().default('chunks'),
        // Below this many chunks exact search is fast enough; above it an IVF-PQ index is built.
        vectorIndexMinRows: z.number().int().positive().default(5000),
      }),
      z.object({ kind: z.literal('memory') }),
      z.object({
        kind: z.literal('milvus'),
        address: z.string().min(1),
        collection: z.string().default('rag_chunks'),
        usernameEnv: z.string().optional(),
        passwordEnv: z.string().optional(),
      }),
    ])
    .default({ kind: 'memory' }),
  chunking: z
    .object({
      // Sentences are never split; a chunk closes once it would exceed maxChars.
      maxChars: z.number().int().positive().default(1200),
    })
    .prefault({}),
  embedding: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('hashing'), dimensions: z.number().int().positive().default(256) }),
      z.object({ kind: z.literal('openai'), ...endpoint.shape, dimensions: z.number().int().positive() }),
      // In-process ONNX sentence encoder (src/embed/onnx.ts); modelDir defaults to $EMBEDDING_MODEL_DIR.
      z.object({ kind: z.literal('onnx'), modelDir: z.string().min(1).optional(), maxTokens: z.number().int().positive().optional() }),
    ])
    .default({ kind: 'hashing', dimensions: 256 }),
  llm: endpoint.optional(),
  webSearch: z
    .object({ url: z.string().url(), topK: z.number().int().positive().default(3), timeoutMs: z.number().int().positive().default(5000) })
    .optional(),
  stages: z
    .object({
      rewrite: z
        .object({ enabled: z.boolean().default(true), variant: z.enum(['llm', 'heuristic', 'auto']).default('auto'), maxSubQuestions: z.number().int().min(1).max(8).default(4) })
        .prefault({}),
      retrieve: z
        .object({
          variant: z.enum(['hybrid', 'dense', 'sparse']).default('hybrid'),
          candidatesPerList: z.number().int().positive().default(50),
          rrfK: z.number().positive().default(60),
          denseSubQueries: z.boolean().default(false),
        })
        .prefault({}),
      rerank: z
        .object({
          enabled: z.boolean().default(true),
          variant: z.enum(['features', 'http']).default('features'),
          url: z.string().url().optional(),
          window: z.number().int().positive().default(30),
        })
        .prefault({}),
      crag: z
        .object({
          enabled: z.boolean().default(true),
          // Evaluator score bands (CRAG's upper/lower thresholds).
          upper: z.number().min(0).max(1).default(0.75),
          lower: z.number().min(0).max(1).default(0.45),
        })
        .prefault({}),
      compress: z
        .object({
          enabled: z.boolean().default(true),
          minSentenceScore: z.number().min(0).max(1).default(0.2),
          // Same meaning and value as CRAG's lower band: below it a passage alone is "incorrect".
          minPassageScore: z.number().min(0).max(1).default(0.45),
        })
        .prefault({}),
    })
    .prefault({}),
  topK: z.number().int().positive().default(5),
});

export type RagConfig = z.infer<typeof ragConfigSchema>;
export type RagConfigInput = z.input<typeof ragConfigSchema>;
export type StageSettings = RagConfig['stages'];

export type ConfigResult = { ok: true; config: RagConfig } | { ok: false; reason: 'InvalidRagConfig'; message: string };

export function parseRagConfig(input: unknown): ConfigResult {
  const parsed = ragConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, reason: 'InvalidRagConfig', message: z.prettifyError(parsed.error) };
}

export function defaultRagConfig(overrides: Partial<RagConfigInput> = {}): RagConfig {
  return ragConfigSchema.parse({ version: RAG_CONFIG_VERSION, ...overrides });
}
