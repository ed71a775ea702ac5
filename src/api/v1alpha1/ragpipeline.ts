import { z } from 'zod';
import { withCel, type CelRule } from '../crd.js';
import {
  ageColumn,
  customResourceSchema,
  defineCrd,
  generatedObjectSchema,
  maxNameRule,
  readyColumn,
  reasonColumn,
  statusSchema,
  DNS_SUBDOMAIN,
} from './common.js';
import { encoderVolumeSchema } from './encoder.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../../higress/namespace.js';
import { RAG_DEFAULTS } from '../../rag/config.js';

/**
 * RagPipeline: one RAG runtime (src/rag/) per resource — Deployment + Service + ConfigMap (+ PVC for the
 * embedded store) — exposed as an MCP server through the Higress gateway.
 *
 * As for ModelPool, every cross-field rule is written once (`RULES`) and enforced twice: as CEL at admission
 * and as a zod refinement in-process, so messages cannot drift. The spec is deliberately not the runtime's
 * config document: the reconciler renders `src/rag/config.ts` from it (that document is the one contract
 * between operator and runtime).
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

const objectName = (what: string) => z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe(what);
const quantity = z.string().min(1).max(32).regex(QUANTITY);

/** A model of a ModelPool, reached through the gateway under its client-facing name. */
export const modelRefSchema = z
  .object({
    pool: objectName("ModelPool name, in the RagPipeline's namespace."),
    model: z.string().min(1).max(128).regex(MODEL_NAME).describe('Model name as the pool exposes it.'),
  })
  .describe('A model of a ModelPool, called through the gateway.');

export const inlineDocumentSchema = z.object({
  id: z.string().min(1).max(256).optional().describe('Stable document id; defaults to a hash of title and text.'),
  title: z.string().max(1024).optional(),
  text: z.string().min(1).max(65536),
});

export const SOURCE_TYPES = ['inline', 'configMap', 'url', 'pvc'] as const;

const SOURCE_RULES: CelRule[] = [
  { rule: "self.type != 'inline' || has(self.documents)", message: 'inline source requires documents', fieldPath: '.documents', reason: 'FieldValueRequired' },
  {
    rule: "self.type != 'configMap' || has(self.configMap)",
    message: 'configMap source requires configMap.name',
    fieldPath: '.configMap',
    reason: 'FieldValueRequired',
  },
  { rule: "self.type != 'url' || has(self.url)", message: 'url source requires url', fieldPath: '.url', reason: 'FieldValueRequired' },
  { rule: "self.type != 'pvc' || has(self.pvc)", message: 'pvc source requires pvc.claimName', fieldPath: '.pvc', reason: 'FieldValueRequired' },
];

export const sourceSchema = withCel(
  z
    .object({
      name: z.string().min(1).max(40).regex(DNS_LABEL).describe('Source name, unique in the pipeline (used as the document source id).'),
      type: z.enum(SOURCE_TYPES).describe('Where documents come from.'),
      documents: z.array(inlineDocumentSchema).min(1).max(200).optional().describe('Documents written into the resource (type inline).'),
      configMap: z
        .object({
          name: objectName('ConfigMap name, same namespace.'),
          key: z.string().min(1).max(253).regex(SECRET_KEY).optional().describe('One key; all keys when omitted.'),
        })
        .optional(),
      url: z
        .url()
        .max(2048)
        .regex(/^https?:\/\/[^\s]+$/)
        .optional()
        .describe('In-cluster URL returning JSON documents (type url).'),
      pvc: z
        .object({
          claimName: objectName('PersistentVolumeClaim name, same namespace.'),
          path: z
            .string()
            .min(1)
            .max(1024)
            .regex(/^\/?[^\s]*$/)
            .default('/')
            .describe('Directory inside the claim.'),
        })
        .optional(),
    })
    .describe('One document source.'),
  SOURCE_RULES,
);

type EmbeddingInput = { type?: string | undefined; model?: unknown; dimensions?: number | undefined; encoder?: unknown };

/** Cross-field rules of spec.embedding, written once: CEL at admission, the same checks in process. */
const EMBEDDING_RULES: (CelRule & { message: string; fieldPath: string; holds: (e: EmbeddingInput) => boolean })[] = [
  {
    rule: "self.type != 'model' || has(self.model)",
    message: 'embedding type model requires model (pool and model name)',
    fieldPath: '.model',
    reason: 'FieldValueRequired',
    holds: (e) => e.type !== 'model' || e.model !== undefined,
  },
  {
    rule: "self.type != 'model' || has(self.dimensions)",
    message: 'embedding type model requires dimensions',
    fieldPath: '.dimensions',
    reason: 'FieldValueRequired',
    holds: (e) => e.type !== 'model' || e.dimensions !== undefined,
  },
  {
    rule: "(self.type == 'encoder') == has(self.encoder)",
    message: 'encoder goes with embedding type encoder, and type encoder requires it (the volume with the model files)',
    fieldPath: '.encoder',
    reason: 'FieldValueInvalid',
    holds: (e) => (e.type === 'encoder') === (e.encoder !== undefined),
  },
  {
    rule: "self.type != 'encoder' || !has(self.dimensions)",
    message: "the encoder's model fixes the vector size: leave dimensions unset",
    fieldPath: '.dimensions',
    reason: 'FieldValueForbidden',
    holds: (e) => e.type !== 'encoder' || e.dimensions === undefined,
  },
];

export const embeddingSchema = withCel(
  z
    .object({
      type: z
        .enum(['hashing', 'model', 'encoder'])
        .default('hashing')
        .describe(
          'hashing: offline, no network, the no-model fallback; model: an embeddings model of a ModelPool (/v1/embeddings); ' +
            'encoder: a sentence encoder (ONNX) run in the RAG server, its files from a volume (ADR 0005).',
        ),
      model: modelRefSchema.optional(),
      dimensions: z.int().min(8).max(8192).optional().describe("Vector size (required for type model; hashing defaults to 256; encoder: the model's)."),
      encoder: encoderVolumeSchema
        .optional()
        .describe('Type encoder: the volume with model.onnx and tokenizer.json (e.g. all-MiniLM-L6-v2 int8), mounted read-only.'),
    })
    .describe('How passages are embedded.'),
  EMBEDDING_RULES.map(({ holds: _h, ...cel }) => cel),
);

export const storeSchema = withCel(
  z
    .object({
      type: z.enum(['lancedb', 'milvus']).default('lancedb').describe('lancedb: embedded, persisted on a PVC; milvus: external server.'),
      lancedb: z
        .object({
          size: quantity.default('1Gi').describe('PVC size.'),
          storageClassName: objectName('StorageClass of the PVC; cluster default when omitted.').optional(),
        })
        .optional(),
      milvus: z
        .object({
          address: z
            .string()
            .min(1)
            .max(512)
            .regex(/^[^\s]+$/)
            .describe('host:port of the Milvus server.'),
          collection: z
            .string()
            .min(1)
            .max(255)
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
            .optional(),
          secretRef: z
            .object({
              name: objectName('Secret with Milvus credentials, same namespace.'),
              usernameKey: z.string().min(1).max(253).regex(SECRET_KEY).default('username'),
              passwordKey: z.string().min(1).max(253).regex(SECRET_KEY).default('password'),
            })
            .optional(),
        })
        .optional(),
    })
    .describe('Where chunks and vectors are stored.'),
  [
    {
      rule: "self.type != 'milvus' || has(self.milvus)",
      message: 'store type milvus requires milvus.address',
      fieldPath: '.milvus',
      reason: 'FieldValueRequired',
    },
    {
      rule: "self.type != 'milvus' || !has(self.milvus) || has(self.milvus.secretRef)",
      message: 'store type milvus requires milvus.secretRef',
      fieldPath: '.milvus.secretRef',
      reason: 'FieldValueRequired',
    },
  ],
);

export const ragIngestSchema = withCel(
  z
    .object({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Offer the MCP tool `ingest`, which writes documents into the index. Off unless set: the MCP server is reachable through the gateway, and `sources` is the declarative way in.',
        ),
      tokenSecretRef: z
        .object({
          name: objectName('Secret name, same namespace.'),
          key: z.string().min(1).max(253).regex(SECRET_KEY).describe('Key holding the token.'),
        })
        .optional()
        .describe(
          "When set, an `ingest` call must carry this Secret key's value in the `x-rag-ingest-token` header; otherwise anyone who reaches the MCP route may ingest.",
        ),
    })
    .describe('Writes into the index through the MCP server.'),
  [
    {
      rule: '!has(self.tokenSecretRef) || self.enabled',
      message: 'tokenSecretRef guards the ingest tool: it needs enabled: true',
      fieldPath: '.tokenSecretRef',
      reason: 'FieldValueForbidden',
    },
  ],
);

const toggle = { enabled: z.boolean().default(true) };
const unit = z.number().min(0).max(1);

export const ragStagesSchema = z
  .object({
    rewrite: z
      .object({ ...toggle, maxSubQuestions: z.int().min(1).max(8).default(RAG_DEFAULTS.maxSubQuestions) })
      .optional()
      .describe('Query rewriting / decomposition (LLM when spec.llm is set, heuristic otherwise).'),
    retrieve: z
      .object({
        mode: z.enum(['hybrid', 'dense', 'sparse']).default('hybrid'),
        candidatesPerList: z.int().min(1).max(1000).default(RAG_DEFAULTS.candidatesPerList),
        rrfK: z.number().min(1).max(1000).default(RAG_DEFAULTS.rrfK).describe('Reciprocal-rank-fusion constant.'),
      })
      .optional(),
    rerank: z.object({ ...toggle, window: z.int().min(1).max(500).default(RAG_DEFAULTS.rerankWindow) }).optional(),
    crag: withCel(
      z
        .object({
          ...toggle,
          upper: unit.default(RAG_DEFAULTS.cragUpper).describe('Score above which retrieval is Correct.'),
          lower: unit.default(RAG_DEFAULTS.cragLower).describe('Score below which retrieval is Incorrect.'),
          denseFloor: unit
            .default(RAG_DEFAULTS.cragDenseFloor)
            .describe(
              'With a sentence encoder: an Incorrect retrieval whose best passage is at least this similar to the question (cosine) is Ambiguous instead, so its passages are kept beside the web results.',
            ),
        })
        .describe('Corrective RAG retrieval evaluator.'),
      [{ rule: '!has(self.lower) || !has(self.upper) || self.lower <= self.upper', message: 'crag.lower must not exceed crag.upper', fieldPath: '.lower' }],
    ).optional(),
    compress: z.object({ ...toggle, minSentenceScore: unit.default(RAG_DEFAULTS.minSentenceScore) }).optional(),
  })
  .describe('Stage toggles and thresholds (mapped onto the runtime config).');

export const ragGatewaySchema = z
  .object({
    namespace: z.string().min(1).max(63).regex(DNS_LABEL).default(DEFAULT_HIGRESS_NAMESPACE).describe('Higress system namespace; the MCP Ingress goes here.'),
    ingressClassName: objectName('Ingress class Higress watches.').default('higress'),
    hosts: z.array(z.string().min(1).max(253).regex(HOST)).max(16).optional().describe('Hosts the MCP endpoint is served on; none means every host.'),
    path: z
      .string()
      .min(1)
      .max(256)
      .regex(/^\/[^\s]*[^/\s]$/)
      .optional()
      .describe('Path prefix of the MCP endpoint on the gateway; default /mcp-servers/<namespace>-<name>.'),
    url: z
      .url()
      .max(2048)
      .optional()
      .describe('How the runtime reaches the gateway for ModelPool models; default http://higress-gateway.<namespace>.svc.cluster.local/v1.'),
  })
  .describe('Exposure of the MCP endpoint and the route to pool models.');

const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional(), 'ephemeral-storage': quantity.optional() });

export const ragResourcesSchema = z
  .object({
    requests: resourceList.optional(),
    limits: resourceList.optional(),
  })
  .describe('Container resources of the runtime.');

interface PipelineRule extends CelRule {
  message: string;
  fieldPath: string;
  holds: (spec: RagPipelineSpecInput) => boolean;
}

type RagPipelineSpecInput = {
  sources?: { name: string }[] | undefined;
  store?: { type?: 'lancedb' | 'milvus' | undefined } | undefined;
  replicas?: number | undefined;
};

const PIPELINE_RULES: PipelineRule[] = [
  {
    rule: '!has(self.sources) || self.sources.all(s, self.sources.exists_one(t, t.name == s.name))',
    message: 'source names must be unique within the pipeline',
    fieldPath: '.sources',
    holds: (s) => new Set((s.sources ?? []).map((x) => x.name)).size === (s.sources ?? []).length,
  },
  {
    // An embedded store lives on a ReadWriteOnce volume: two writers would corrupt it.
    rule: "!has(self.replicas) || self.replicas <= 1 || (has(self.store) && has(self.store.type) && self.store.type == 'milvus')",
    message: 'replicas > 1 requires store type milvus (the embedded store is single-writer)',
    fieldPath: '.replicas',
    holds: (s) => (s.replicas ?? 1) <= 1 || s.store?.type === 'milvus',
  },
];

const specObject = z
  .object({
    gateway: ragGatewaySchema.default({ namespace: DEFAULT_HIGRESS_NAMESPACE, ingressClassName: 'higress' }),
    sources: z.array(sourceSchema).max(32).optional().describe('Documents to index.'),
    chunking: z
      .object({
        maxChars: z
          .int()
          .min(100)
          .max(20000)
          .default(RAG_DEFAULTS.chunkMaxChars)
          .describe('A chunk closes before exceeding this many characters; sentences are never split.'),
      })
      .optional(),
    embedding: embeddingSchema.default({ type: 'hashing' }),
    store: storeSchema.default({ type: 'lancedb' }),
    stages: ragStagesSchema.optional(),
    topK: z.int().min(1).max(100).default(RAG_DEFAULTS.topK).describe('Passages returned by search and used by answer.'),
    llm: modelRefSchema.optional().describe('Model for rewriting and answers; without it those stages use heuristics or are skipped.'),
    webSearch: z
      .object({
        url: z
          .url()
          .max(2048)
          .regex(/^https?:\/\/[^\s]+$/)
          .describe('HTTP search API (POST {query, topK} → results).'),
        topK: z.int().min(1).max(20).default(RAG_DEFAULTS.webSearchTopK),
      })
      .optional()
      .describe('Web-search provider CRAG falls back to when retrieval is Incorrect or Ambiguous.'),
    eval: z
      .object({
        configMap: z.object({
          name: objectName('ConfigMap with the eval set, same namespace.'),
          key: z.string().min(1).max(253).regex(SECRET_KEY).default('eval.json'),
        }),
      })
      .optional()
      .describe('Questions with gold supporting passages; results land in status.lastEval.'),
    ingest: ragIngestSchema.optional(),
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s]+$/)
      .optional()
      .describe("Runtime image; the operator's default when omitted."),
    replicas: z.int().min(0).max(20).default(1),
    resources: ragResourcesSchema.optional(),
  })
  .describe('Desired state of a RagPipeline.');

export const ragPipelineSpecSchema = withCel(
  specObject,
  PIPELINE_RULES.map(({ holds: _h, ...cel }) => cel),
).superRefine((spec, ctx) => {
  for (const r of PIPELINE_RULES) {
    if (!r.holds(spec)) ctx.addIssue({ code: 'custom', path: r.fieldPath.replace(/^\./, '').split('.'), message: r.message });
  }
  (spec.sources ?? []).forEach((s, i) => {
    const missing = s.type === 'inline' ? !s.documents : s.type === 'configMap' ? !s.configMap : s.type === 'url' ? !s.url : !s.pvc;
    const rule = SOURCE_RULES[SOURCE_TYPES.indexOf(s.type)]!;
    if (missing) ctx.addIssue({ code: 'custom', path: ['sources', i, rule.fieldPath!.slice(1)], message: rule.message! });
  });
  for (const r of EMBEDDING_RULES) {
    if (!r.holds(spec.embedding)) ctx.addIssue({ code: 'custom', path: ['embedding', r.fieldPath.slice(1)], message: r.message });
  }
  if (spec.store.type === 'milvus' && !spec.store.milvus)
    ctx.addIssue({ code: 'custom', path: ['store', 'milvus'], message: 'store type milvus requires milvus.address' });
  if (spec.store.type === 'milvus' && spec.store.milvus && !spec.store.milvus.secretRef) {
    ctx.addIssue({ code: 'custom', path: ['store', 'milvus', 'secretRef'], message: 'store type milvus requires milvus.secretRef' });
  }
  if (spec.ingest?.tokenSecretRef && !spec.ingest.enabled) {
    ctx.addIssue({ code: 'custom', path: ['ingest', 'tokenSecretRef'], message: 'tokenSecretRef guards the ingest tool: it needs enabled: true' });
  }
  const crag = spec.stages?.crag;
  if (crag && crag.lower > crag.upper) ctx.addIssue({ code: 'custom', path: ['stages', 'crag', 'lower'], message: 'crag.lower must not exceed crag.upper' });
});

export const evalMetricsSchema = z
  .object({
    time: z.string().meta({ format: 'date-time' }),
    questions: z.int().min(0),
    recallAt5: z.number().min(0).max(1).optional(),
    precisionAt5: z.number().min(0).max(1).optional(),
    mrr: z.number().min(0).max(1).optional(),
  })
  .describe('Metrics of the last run of spec.eval.');

export const ragPipelineStatusSchema = statusSchema({
  replicas: z.string().max(16).optional().describe('Available / desired runtime replicas (printer column).'),
  documentsIndexed: z.int().min(0).optional(),
  chunksIndexed: z.int().min(0).optional(),
  embedder: z
    .string()
    .max(128)
    .optional()
    .describe('The vector space of the index, e.g. "onnx:20a8733fdbd3" (a digest of the encoder files) or "hashing" (the offline fallback).'),
  lastIndexedTime: z.string().meta({ format: 'date-time' }).optional(),
  endpoint: z.string().max(2048).optional().describe('In-cluster MCP endpoint (Streamable HTTP).'),
  gatewayPath: z.string().max(256).optional().describe('Path of the MCP endpoint on the gateway.'),
  discoveredTools: z.array(z.string().max(128)).max(64).optional().describe('Tool names the runtime lists over MCP.'),
  lastEval: evalMetricsSchema.optional(),
  generatedObjects: z.array(generatedObjectSchema).max(16).optional(),
}).describe('Observed state of a RagPipeline.');

export const ragPipelineSchema = customResourceSchema('RagPipeline', ragPipelineSpecSchema, ragPipelineStatusSchema);

export type RagPipelineSpecIn = z.input<typeof ragPipelineSpecSchema>;
export type RagPipelineSpec = z.output<typeof ragPipelineSpecSchema>;
export type RagPipelineStatus = z.output<typeof ragPipelineStatusSchema>;
export type RagPipeline = z.output<typeof ragPipelineSchema>;

export const ragPipelineCrd = defineCrd({
  kind: 'RagPipeline',
  plural: 'ragpipelines',
  singular: 'ragpipeline',
  shortNames: ['rag', 'ragp'],
  description: 'RagPipeline runs a retrieval-augmented-generation MCP server and exposes it through the Higress gateway.',
  spec: ragPipelineSpecSchema,
  status: ragPipelineStatusSchema,
  rootRules: [
    // Generated object names append "-rag-data" (9) and must stay DNS labels.
    maxNameRule('RagPipeline', 50, 'generated object names extend them'),
  ],
  printerColumns: [
    { name: 'Replicas', type: 'string', jsonPath: '.status.replicas' },
    { name: 'Chunks', type: 'integer', jsonPath: '.status.chunksIndexed' },
    readyColumn,
    reasonColumn(),
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', priority: 1 },
    ageColumn,
  ],
});
