import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// The RAG runtime's one contract with the operator, like the router's (src/router/config.ts): the document
// the operator renders into the runtime's ConfigMap (settings, the sources to index, the eval set to run)
// and the health document the runtime answers on GET /healthz, which the operator copies into status.
// Nothing else travels between them: no environment variables besides RAG_CONFIG (the path of this
// document), no second file, no push endpoint. Versioned so a runtime refuses a document written for a
// shape it does not understand instead of silently misreading it; v1alpha2 added `sources` and `eval`.
export const RAG_CONFIG_VERSION = 'rag.higress-ai-operator.io/v1alpha2';

/**
 * Defaults written once. The runtime schema below and the RagPipeline CRD schema
 * (src/api/v1alpha1/ragpipeline.ts) both default from here, so the reconciler passes through what the user
 * set and never restates a number.
 */
export const RAG_DEFAULTS = {
  port: 8080,
  chunkMaxChars: 1200,
  hashingDimensions: 256,
  maxSubQuestions: 4,
  candidatesPerList: 50,
  rrfK: 60,
  rerankWindow: 30,
  cragUpper: 0.75,
  /** CRAG's lower band; compression's minimum passage score means the same and defaults to it. */
  cragLower: 0.45,
  /**
   * With a sentence encoder, a lexically Incorrect retrieval whose best passage is at least this close to the
   * question by meaning is Ambiguous instead. Set from a handful of questions (test/dataplane/rag/chinese.test.ts):
   * an answering passage 0.59–0.74 (bge-small-zh, MiniLM), unrelated ones ≤ 0.47.
   */
  cragDenseFloor: 0.55,
  minSentenceScore: 0.2,
  topK: 5,
  webSearchTopK: 3,
  /** Where ConfigMap and PVC sources are mounted, one directory per source name. */
  sourcesMountRoot: '/sources',
} as const;

const endpoint = z.object({
  baseUrl: z.string().url(),
  model: z.string().min(1),
  // Name of an environment variable holding the API key; the key itself never sits in the config.
  apiKeyEnv: z.string().optional(),
  timeoutMs: z.number().int().positive().default(20000),
});

const storeSchema = z.discriminatedUnion('kind', [
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
]);

const stagesSchema = z.object({
  rewrite: z
    .object({
      enabled: z.boolean().default(true),
      variant: z.enum(['llm', 'heuristic', 'auto']).default('auto'),
      maxSubQuestions: z.number().int().min(1).max(8).default(RAG_DEFAULTS.maxSubQuestions),
    })
    .prefault({}),
  retrieve: z
    .object({
      variant: z.enum(['hybrid', 'dense', 'sparse']).default('hybrid'),
      candidatesPerList: z.number().int().positive().default(RAG_DEFAULTS.candidatesPerList),
      rrfK: z.number().positive().default(RAG_DEFAULTS.rrfK),
      denseSubQueries: z.boolean().default(false),
    })
    .prefault({}),
  rerank: z
    .object({
      enabled: z.boolean().default(true),
      variant: z.enum(['features', 'http']).default('features'),
      url: z.string().url().optional(),
      window: z.number().int().positive().default(RAG_DEFAULTS.rerankWindow),
    })
    .prefault({}),
  crag: z
    .object({
      enabled: z.boolean().default(true),
      // Evaluator score bands (CRAG's upper/lower thresholds).
      upper: z.number().min(0).max(1).default(RAG_DEFAULTS.cragUpper),
      lower: z.number().min(0).max(1).default(RAG_DEFAULTS.cragLower),
      denseFloor: z.number().min(0).max(1).default(RAG_DEFAULTS.cragDenseFloor),
    })
    .prefault({}),
  compress: z
    .object({
      enabled: z.boolean().default(true),
      minSentenceScore: z.number().min(0).max(1).default(RAG_DEFAULTS.minSentenceScore),
      // Same meaning as CRAG's lower band: below it a passage alone is "incorrect". Absent ⇒ crag.lower.
      minPassageScore: z.number().min(0).max(1).optional(),
    })
    .prefault({}),
});

/** A document written into the resource; `text` or pre-split `sentences` (what `RagService.ingest` takes). */
const inlineDocumentSchema = z.object({
  id: z.string().min(1).optional(),
  title: z.string().optional(),
  text: z.string().optional(),
  sentences: z.array(z.string()).optional(),
});

const sourceName = z.string().min(1);

/**
 * One source to index at start. ConfigMap and PVC sources are read from `<mountRoot>/<name>` (the operator
 * mounts them there, or writes them there in local-process mode); URL sources are fetched by the runtime.
 */
export const ragSourceSchema = z.discriminatedUnion('type', [
  z.object({ name: sourceName, type: z.literal('inline'), documents: z.array(inlineDocumentSchema).min(1) }),
  z.object({ name: sourceName, type: z.literal('configMap'), configMap: z.object({ name: z.string().min(1), key: z.string().min(1).optional() }) }),
  z.object({ name: sourceName, type: z.literal('url'), url: z.string().url() }),
  z.object({ name: sourceName, type: z.literal('pvc'), pvc: z.object({ claimName: z.string().min(1), path: z.string().optional() }) }),
]);
export type RagSource = z.output<typeof ragSourceSchema>;

const sourcesSchema = z
  .object({
    mountRoot: z.string().min(1).default(RAG_DEFAULTS.sourcesMountRoot),
    items: z
      .array(ragSourceSchema)
      .default([])
      .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'source names must be unique'),
  })
  .prefault({});
export type RagSources = z.output<typeof sourcesSchema>;

export const ragConfigSchema = z
  .object({
    version: z.literal(RAG_CONFIG_VERSION),
    server: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(RAG_DEFAULTS.port),
      })
      .prefault({}),
    store: storeSchema.default({ kind: 'memory' }),
    chunking: z
      .object({
        // Sentences are never split; a chunk closes once it would exceed maxChars.
        maxChars: z.number().int().positive().default(RAG_DEFAULTS.chunkMaxChars),
      })
      .prefault({}),
    embedding: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('hashing'), dimensions: z.number().int().positive().default(RAG_DEFAULTS.hashingDimensions) }),
        z.object({ kind: z.literal('openai'), ...endpoint.shape, dimensions: z.number().int().positive() }),
        // In-process ONNX sentence encoder (src/embed/onnx.ts); modelDir defaults to $EMBEDDING_MODEL_DIR.
        z.object({ kind: z.literal('onnx'), modelDir: z.string().min(1).optional(), maxTokens: z.number().int().positive().optional() }),
      ])
      .default({ kind: 'hashing', dimensions: RAG_DEFAULTS.hashingDimensions }),
    llm: endpoint.optional(),
    webSearch: z
      .object({
        url: z.string().url(),
        topK: z.number().int().positive().default(RAG_DEFAULTS.webSearchTopK),
        timeoutMs: z.number().int().positive().default(5000),
      })
      .optional(),
    stages: stagesSchema.prefault({}),
    topK: z.number().int().positive().default(RAG_DEFAULTS.topK),
    /** Indexed at start; re-indexing replaces documents by id, so a restart duplicates nothing. */
    sources: sourcesSchema,
    /** An eval set (a file: questions with the document ids a good retrieval returns) run after indexing. */
    eval: z.object({ path: z.string().min(1) }).optional(),
    /**
     * The MCP tool `ingest` (documents written into the index by whoever calls it). On when a document does not
     * say (documents written before the field existed); the operator always says, and says off unless the
     * RagPipeline asks. `tokenEnv` names the environment variable whose value a call must carry in the
     * `x-rag-ingest-token` header.
     */
    ingest: z.object({ enabled: z.boolean().default(true), tokenEnv: z.string().min(1).optional() }).prefault({}),
  })
  .transform((c) => ({
    ...c,
    stages: { ...c.stages, compress: { ...c.stages.compress, minPassageScore: c.stages.compress.minPassageScore ?? c.stages.crag.lower } },
  }));

export type RagConfig = z.output<typeof ragConfigSchema>;
export type RagConfigInput = z.input<typeof ragConfigSchema>;
export type StageSettings = RagConfig['stages'];

export type ConfigResult = { ok: true; config: RagConfig } | { ok: false; reason: 'InvalidRagConfig'; message: string };

export function parseRagConfig(input: unknown): ConfigResult {
  const parsed = ragConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, reason: 'InvalidRagConfig', message: z.prettifyError(parsed.error) };
}

/** Reads the document (YAML or JSON) the operator rendered. */
export async function loadRagConfigFile(path: string): Promise<ConfigResult> {
  return parseRagConfig(parseYaml(await readFile(path, 'utf8')) as unknown);
}

export function defaultRagConfig(overrides: Partial<RagConfigInput> = {}): RagConfig {
  return ragConfigSchema.parse({ version: RAG_CONFIG_VERSION, ...overrides });
}

// --- What the runtime reports back -------------------------------------------------------------------------

/** One run of the eval set: document-level retrieval metrics. */
export const evalResultSchema = z.object({
  time: z.string(),
  questions: z.number().int().min(0),
  recallAt5: z.number().min(0).max(1),
  precisionAt5: z.number().min(0).max(1),
  mrr: z.number().min(0).max(1),
});
export type EvalResult = z.output<typeof evalResultSchema>;

/**
 * `GET /healthz`: what the operator's probe copies into RagPipeline status (tools come over MCP).
 * `lastIndexedTime` appears once the sources of the document have been indexed.
 */
export const runtimeHealthSchema = z.object({
  version: z.literal(RAG_CONFIG_VERSION),
  ok: z.boolean(),
  chunks: z.number().int().min(0),
  documents: z.number().int().min(0).optional(),
  lastIndexedTime: z.string().optional(),
  lastEval: evalResultSchema.optional(),
  /** The vector space of the index (Embedder.name). */
  embedder: z.string().optional(),
  /** Set while the runtime serves with less than it was configured for, and why (e.g. its encoder's files are missing). */
  degraded: z.object({ reason: z.string(), message: z.string() }).optional(),
});
export type RuntimeHealth = z.output<typeof runtimeHealthSchema>;

/** Mutable facts the entrypoint learns while loading sources and running the eval set. */
export type RuntimeFacts = Partial<Pick<RuntimeHealth, 'documents' | 'lastIndexedTime' | 'lastEval'>>;

/** The eval-set file: questions with the passages (document ids) a good retrieval returns. */
const evalQuestion = z.object({ question: z.string().min(1), relevant: z.array(z.string()).min(1) });
export const evalSetSchema = z.union([z.array(evalQuestion), z.object({ questions: z.array(evalQuestion) }).transform((o) => o.questions)]);
export type EvalSet = z.output<typeof evalSetSchema>;
