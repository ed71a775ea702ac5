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
import { DEFAULT_HIGRESS_NAMESPACE } from '../../higress/namespace.js';
import { publishSpecSchema, publishStatusSchema } from './publish.js';
import { cacheSpecSchema } from './cache.js';

/**
 * ModelPool: a set of LLM models exposed through the Higress gateway under the model names clients send.
 *
 * Every cross-field rule exists twice — as CEL (enforced by the API server at admission) and as a zod
 * refinement (enforced in-process, e.g. by the reconciler on objects that predate a rule). Both come from
 * the same `POOL_RULES` entries so their messages cannot drift.
 */

/** Provider types understood by the operator; each has a folder under src/higress/providers/. */
export const PROVIDER_TYPES = [
  'openai',
  'openai-compatible',
  'azure',
  'qwen',
  'deepseek',
  'anthropic',
  'gemini',
  'moonshot',
  'mistral',
  'groq',
  'openrouter',
  'ollama',
  'vllm',
] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Types whose upstream has no well-known public host, so `endpoint` is mandatory. */
export const ENDPOINT_REQUIRED_TYPES: readonly ProviderType[] = ['openai-compatible', 'azure', 'ollama', 'vllm'];
/** Types for which ai-proxy forwards the client's own Authorization when no token is configured. */
export const PASSTHROUGH_TYPES: readonly ProviderType[] = ['openai', 'openai-compatible', 'ollama', 'vllm'];

const celList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

// RFC 1123 subdomain (Secret names) and label (namespaces).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Model names travel in a request header and in annotation values: printable, no spaces or commas.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const modelName = z.string().min(1).max(128).regex(MODEL_NAME).describe('Model name as clients send it in the request body `model` field.');

export const secretKeyRefSchema = z
  .object({
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("Secret name, in the ModelPool's namespace."),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/)
      .describe('Key inside the Secret whose value is the API token; several tokens one per line (ai-proxy rotates among them and retries on another).'),
  })
  .describe('Reference to one key of a Secret in the same namespace.');

const ENDPOINT_RULES: CelRule[] = [
  {
    rule: `!(self.type in ${celList(ENDPOINT_REQUIRED_TYPES)}) || has(self.endpoint)`,
    message: `endpoint is required for provider types ${ENDPOINT_REQUIRED_TYPES.join(', ')}`,
    fieldPath: '.endpoint',
    reason: 'FieldValueRequired',
  },
  {
    rule: `self.type != 'azure' || !has(self.endpoint) || self.endpoint.contains('api-version=')`,
    message: 'azure endpoint must carry the api-version query parameter',
    fieldPath: '.endpoint',
  },
  {
    rule: `has(self.credentials) || self.type in ${celList(PASSTHROUGH_TYPES)}`,
    message: `credentials are required for this provider type (only ${PASSTHROUGH_TYPES.join(', ')} can pass the client's Authorization through)`,
    fieldPath: '.credentials',
    reason: 'FieldValueRequired',
  },
];

export const providerSchema = withCel(
  z
    .object({
      type: z.enum(PROVIDER_TYPES).describe('Upstream API flavour; selects the ai-proxy provider type.'),
      endpoint: z
        .url()
        .max(2048)
        .regex(/^https?:\/\/[^\s]+$/)
        .optional()
        .describe(
          'Base URL of the upstream API (e.g. https://llm.internal:8443/v1). Defaults to the vendor host for ' +
            'vendor types; required for openai-compatible, azure (including ?api-version=), ollama and vllm.',
        ),
      credentials: z
        .object({ secretRef: secretKeyRefSchema })
        .optional()
        .describe("API token source. Omit to forward the client's own Authorization header (passthrough)."),
    })
    .describe('Where and how the gateway reaches this model.'),
  ENDPOINT_RULES,
);

export const pricingSchema = z
  .object({
    inputPerMillionTokens: z.number().min(0).max(1_000_000).describe('USD per 1M input (prompt) tokens.'),
    outputPerMillionTokens: z.number().min(0).max(1_000_000).describe('USD per 1M output (completion) tokens.'),
  })
  .describe('List price, used by routers and cost reports.');

export const modelSchema = z
  .object({
    name: modelName,
    provider: providerSchema,
    upstreamModel: z.string().min(1).max(256).optional().describe('Model name sent upstream; defaults to `name`.'),
    pricing: pricingSchema.optional(),
    contextWindow: z.int().min(1).max(100_000_000).optional().describe('Maximum context length in tokens.'),
    capabilities: z
      .array(
        z
          .string()
          .min(1)
          .max(32)
          .regex(/^[a-z0-9][-a-z0-9]*$/),
      )
      .max(16)
      .optional()
      .describe(
        'What the model can take, for SemanticRouters over this pool: a request with images needs `vision`, one with tools `tools`, ' +
          'and a client may ask for others (header x-router-require). When some model of the pool declares a capability a request ' +
          'needs, the router picks among those only; when none does, among all.',
      ),
    weight: z.int().min(0).max(100).default(100).describe('Relative share of requests for `spec.alias`; 0 keeps the model out of the alias split.'),
  })
  .describe('One model offered by the pool.');

export const retriesSchema = z
  .object({
    attempts: z.int().min(0).max(10).default(3).describe('Upstream tries (higress.io/proxy-next-upstream-tries).'),
    timeoutSeconds: z.int().min(1).max(3600).default(120).describe('Budget for all retries together.'),
    on: z
      .array(
        z.enum(['error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429', 'non_idempotent']),
      )
      .min(1)
      .max(11)
      .default(['error', 'timeout', 'non_idempotent'])
      .describe('Conditions that trigger a retry (nginx proxy_next_upstream vocabulary).'),
  })
  .describe('Retries to another upstream endpoint (Higress proxy-next-upstream).');

/**
 * The path sequences the API server refuses in an Ingress path of type Prefix/Exact
 * (k8s.io/kubernetes pkg/apis/networking/validation: invalidPathSequences, invalidPathSuffixes). Refused at
 * admission here: accepted, such a pool could never write its route and would retry the write on every resync.
 */
const INGRESS_PATH_RULE = {
  rule: "!self.contains('//') && !self.contains('/./') && !self.contains('/../') && !self.lowerAscii().contains('%2f') && !self.endsWith('/..') && !self.endsWith('/.')",
  message: "must not contain '//', '/./', '/../' or '%2f', nor end in '/.' or '/..' (Ingress path rules)",
  reason: 'FieldValueInvalid' as const,
  holds: (p: string) => !['//', '/./', '/../'].some((q) => p.includes(q)) && !p.toLowerCase().includes('%2f') && !p.endsWith('/..') && !p.endsWith('/.'),
};

export const gatewaySchema = z
  .object({
    namespace: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL)
      .default(DEFAULT_HIGRESS_NAMESPACE)
      .describe('Higress system namespace; generated Ingresses, McpBridge entries and WasmPlugins live here.'),
    ingressClassName: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).default('higress').describe('Ingress class Higress watches.'),
    hosts: z
      .array(z.string().min(1).max(253).regex(HOST))
      .max(16)
      .optional()
      .describe('Hosts the models are served on (exact or *.suffix); none means every host.'),
    path: withCel(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^\/[^\s]*$/)
        .refine((p) => INGRESS_PATH_RULE.holds(p), INGRESS_PATH_RULE.message),
      [INGRESS_PATH_RULE],
    )
      .default('/')
      .describe('Path prefix the model routes match.'),
  })
  .describe('Where the models are exposed on the gateway.');

/** Cross-field rules on `spec`; each pairs a CEL rule with the equivalent in-process check. */
interface PoolRule extends CelRule {
  message: string;
  fieldPath: string;
  holds: (spec: ModelPoolSpecInput) => boolean;
}

type ModelPoolSpecInput = {
  models: { name: string; weight?: number | undefined }[];
  fallback?: string[] | undefined;
  alias?: string | undefined;
  cache?: { redis?: unknown; encoder?: unknown; verifier?: unknown } | undefined;
  publish?: { target?: string | undefined; type?: string | undefined } | undefined;
};

const POOL_RULES: PoolRule[] = [
  {
    rule: 'self.models.all(m, self.models.exists_one(n, n.name == m.name))',
    message: 'model names must be unique within the pool',
    fieldPath: '.models',
    // Not reason FieldValueDuplicate: the API server would then print only "Duplicate value", dropping this message.
    holds: (s) => new Set(s.models.map((m) => m.name)).size === s.models.length,
  },
  {
    rule: '!has(self.fallback) || self.fallback.all(f, self.models.exists(m, m.name == f))',
    message: 'fallback entries must name models of this pool',
    fieldPath: '.fallback',
    holds: (s) => (s.fallback ?? []).every((f) => s.models.some((m) => m.name === f)),
  },
  {
    rule: '!has(self.alias) || !self.models.exists(m, m.name == self.alias)',
    message: 'alias must differ from every model name',
    fieldPath: '.alias',
    holds: (s) => s.alias === undefined || !s.models.some((m) => m.name === s.alias),
  },
  {
    rule: '!has(self.alias) || self.models.exists(m, !has(m.weight) || m.weight > 0)',
    message: 'alias needs at least one model with weight > 0',
    fieldPath: '.alias',
    holds: (s) => s.alias === undefined || s.models.some((m) => (m.weight ?? 100) > 0),
  },
  {
    // A HiMarket product links exactly one AI route, and a subscription grants only that route
    // (docs/himarket.md "one product, one route"): with several, the spec must say which.
    rule: '!has(self.publish) || has(self.publish.target) || has(self.alias) || size(self.models) == 1',
    message: 'publish.target is required when the pool has several models and no alias: a HiMarket product links exactly one AI route',
    fieldPath: '.publish.target',
    reason: 'FieldValueRequired',
    holds: (s) => s.publish === undefined || s.publish.target !== undefined || s.alias !== undefined || s.models.length === 1,
  },
  {
    rule: '!has(self.publish) || !has(self.publish.target) || self.models.exists(m, m.name == self.publish.target) || (has(self.alias) && self.alias == self.publish.target)',
    message: 'publish.target must name a model of this pool or its alias',
    fieldPath: '.publish.target',
    holds: (s) => s.publish?.target === undefined || s.models.some((m) => m.name === s.publish?.target) || s.alias === s.publish.target,
  },
  {
    rule: "!has(self.publish) || !has(self.publish.type) || self.publish.type == 'MODEL_API'",
    message: 'a ModelPool publishes AI routes: publish.type must be MODEL_API',
    fieldPath: '.publish.type',
    holds: (s) => s.publish?.type === undefined || s.publish.type === 'MODEL_API',
  },
  {
    // The SemanticRouter's cache may live in memory; the gateway's ai-cache stores answers only in Redis.
    rule: '!has(self.cache) || has(self.cache.redis)',
    message: 'cache.redis is required on a ModelPool: the gateway ai-cache plugin stores answers only in Redis',
    fieldPath: '.cache.redis',
    reason: 'FieldValueRequired',
    holds: (s) => s.cache === undefined || s.cache.redis !== undefined,
  },
  {
    // The shared cache shape's router-only volumes: refused here rather than ignored.
    rule: '!has(self.cache) || (!has(self.cache.encoder) && !has(self.cache.verifier))',
    message: "cache.encoder and cache.verifier configure a SemanticRouter's own cache; the gateway ai-cache embeds through cache.embedding",
    fieldPath: '.cache',
    reason: 'FieldValueForbidden',
    holds: (s) => s.cache === undefined || (s.cache.encoder === undefined && s.cache.verifier === undefined),
  },
];

const specObject = z
  .object({
    gateway: gatewaySchema.default({ namespace: DEFAULT_HIGRESS_NAMESPACE, ingressClassName: 'higress', path: '/' }),
    models: z.array(modelSchema).min(1).max(64).describe('Models offered; names must be unique.'),
    alias: modelName.optional().describe('Extra model name that spreads requests over the models by `weight` (e.g. "chat").'),
    fallback: z
      .array(modelName)
      .min(2)
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('Order in which models stand in for each other when an upstream fails; names from `models`.'),
    retries: retriesSchema.optional(),
    timeoutSeconds: z.int().min(1).max(3600).optional().describe('Whole-request timeout on the gateway route.'),
    publish: publishSpecSchema.optional(), // HiMarket product (src/controllers/himarket-publish.ts)
    cache: cacheSpecSchema.optional(), // Higress ai-cache rule on the pool's routes (src/higress/ai-cache.ts); redis required here
  })
  .describe('Desired state of a ModelPool.');

export const modelPoolSpecSchema = withCel(
  specObject,
  POOL_RULES.map(({ holds: _h, ...cel }) => cel),
).superRefine((spec, ctx) => {
  const path = (fp: string) => fp.replace(/^\./, '').split('.');
  // Mirror of x-kubernetes-list-type: set on fallback (the API server reports the duplicate's index).
  const seen = new Set<string>();
  (spec.fallback ?? []).forEach((f, i) => {
    if (seen.has(f)) ctx.addIssue({ code: 'custom', path: ['fallback', i], message: `Duplicate value: "${f}"` });
    seen.add(f);
  });
  for (const r of POOL_RULES) {
    if (!r.holds(spec)) ctx.addIssue({ code: 'custom', path: path(r.fieldPath), message: r.message });
  }
  spec.models.forEach((m, i) => {
    const p = m.provider;
    if (ENDPOINT_REQUIRED_TYPES.includes(p.type) && !p.endpoint) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'provider', 'endpoint'], message: ENDPOINT_RULES[0]!.message! });
    }
    if (p.type === 'azure' && p.endpoint && !p.endpoint.includes('api-version=')) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'provider', 'endpoint'], message: ENDPOINT_RULES[1]!.message! });
    }
    if (!p.credentials && !PASSTHROUGH_TYPES.includes(p.type)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'provider', 'credentials'], message: ENDPOINT_RULES[2]!.message! });
    }
  });
});

export const modelStatusSchema = z.object({
  name: z.string().max(128).describe('Model name from spec.'),
  upstream: z.string().max(512).optional().describe('Gateway service the model routes to, e.g. llm-team-a-chat-gpt-4o-1a2b3c4d.internal.dns:443.'),
  ready: z.boolean(),
  reason: z.string().max(128).optional(),
  message: z.string().max(4096).optional(),
});

export const modelPoolStatusSchema = statusSchema({
  readyModels: z.string().max(16).optional().describe('Routed models over all models, e.g. "2/3" (printer column).'),
  models: z.array(modelStatusSchema).max(64).optional().describe('Per-model routing state.'),
  generatedObjects: z.array(generatedObjectSchema).max(512).optional().describe('Higress objects rendered for this pool.'),
  publish: publishStatusSchema.optional(), // written by the HiMarket publish controller only
}).describe('Observed state of a ModelPool.');

export const modelPoolSchema = customResourceSchema('ModelPool', modelPoolSpecSchema, modelPoolStatusSchema);

export type ModelPoolSpecIn = z.input<typeof modelPoolSpecSchema>;
export type ModelPoolSpec = z.output<typeof modelPoolSpecSchema>;
export type ModelPoolStatus = z.output<typeof modelPoolStatusSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type ModelStatus = z.output<typeof modelStatusSchema>;
export type ProviderSpec = z.output<typeof providerSchema>;
export type ModelPool = z.output<typeof modelPoolSchema>;

/** CRD definition consumed by hack/gen-crds.ts. */
export const modelPoolCrd = defineCrd({
  kind: 'ModelPool',
  plural: 'modelpools',
  singular: 'modelpool',
  shortNames: ['mp', 'mpool'],
  description: 'ModelPool exposes a set of LLM models through the Higress AI gateway.',
  spec: modelPoolSpecSchema,
  status: modelPoolStatusSchema,
  rootRules: [maxNameRule('ModelPool', 63, 'they appear in label values')],
  printerColumns: [
    // Server-side printing shows only the first match of a list path, hence a precomputed summary.
    { name: 'Models', type: 'string', jsonPath: '.status.readyModels', description: 'Routed models / all models' },
    readyColumn,
    reasonColumn(),
    { name: 'Gateway', type: 'string', jsonPath: '.spec.gateway.namespace', priority: 1 },
    ageColumn,
  ],
});
