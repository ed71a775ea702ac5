import { z } from 'zod';
import { withCel, type CelRule } from '../crd.js';
import {
  ageColumn,
  customResourceSchema,
  defineCrd,
  generatedObjectSchema,
  maxNameRule,
  objectMetaSchema,
  readyColumn,
  reasonColumn,
  statusSchema,
  DNS_SUBDOMAIN,
} from './common.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../../higress/namespace.js';
import { publishSpecSchema, publishStatusSchema } from './publish.js';

/**
 * AgentProduct: tools (from OpenAPI documents, RagPipelines and existing MCP servers), an optional agent
 * running in the gateway (Higress `ai-agent`), and who may call them (key-auth consumers, token limits),
 * turned into the Higress console's own objects (docs/agent.md, ADR 0006).
 *
 * As for ModelPool, each cross-field rule is one `{rule, message, holds}` entry feeding both CEL (admission)
 * and zod (in-process), so the two cannot drift.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const OPERATION_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

const objectName = (what: string) => z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe(what);
const label = (what: string) => z.string().min(1).max(40).regex(DNS_LABEL).describe(what);

export const agentSecretKeyRefSchema = z
  .object({
    name: objectName("Secret name, in the AgentProduct's namespace."),
    key: z.string().min(1).max(253).regex(SECRET_KEY).describe('Key inside the Secret.'),
  })
  .describe('One key of a Secret in the same namespace; its value is never logged or written to status.');

export const OPENAPI_SOURCES = ['inline', 'configMap', 'url'] as const;

const OPENAPI_RULES: CelRule[] = [
  {
    rule: '(has(self.inline) ? 1 : 0) + (has(self.configMap) ? 1 : 0) + (has(self.url) ? 1 : 0) == 1',
    message: 'openapi needs exactly one of inline, configMap, url',
    fieldPath: '.inline',
    reason: 'FieldValueRequired',
  },
  {
    // Credentials are keyed by scheme in the mcp-server config (securitySchemes[].id): a repeat would be ambiguous.
    rule: '!has(self.credentials) || self.credentials.all(c, self.credentials.exists_one(d, d.scheme == c.scheme))',
    message: 'openapi.credentials must not repeat a scheme',
    fieldPath: '.credentials',
  },
];
/**
 * Uniqueness of operations is `x-kubernetes-list-type: set` (the API server checks it in linear time): the
 * quadratic CEL form exceeded the CRD rule-cost budget and made the API server reject the whole CRD.
 */
const OPERATIONS_UNIQUE = 'openapi.operations must not repeat an operationId';

export const openApiToolsSchema = withCel(
  z
    .object({
      inline: z.string().min(1).max(262144).optional().describe('The OpenAPI 3.0/3.1 document itself (JSON or YAML).'),
      configMap: z
        .object({
          name: objectName('ConfigMap name, same namespace.'),
          key: z.string().min(1).max(253).regex(SECRET_KEY).describe('Key holding the document.'),
        })
        .optional(),
      url: z.string().max(2048).regex(HTTP_URL).optional().describe('In-cluster URL serving the document (read by the operator).'),
      operations: z
        .array(z.string().max(128).regex(OPERATION_ID))
        .min(1)
        .max(256)
        .meta({ 'x-kubernetes-list-type': 'set' })
        .optional()
        .describe('operationIds to expose (allow-list); all when omitted.'),
      prefix: z
        .string()
        .max(32)
        .regex(/^[A-Za-z0-9_.-]*$/)
        .optional()
        .describe('Prepended to every tool name.'),
      baseUrl: z.string().max(2048).regex(HTTP_URL).optional().describe("Where tools send requests; default the document's servers[0].url."),
      credentials: z
        .array(
          z.object({ scheme: z.string().min(1).max(128).describe('Security scheme id in components.securitySchemes.'), secretRef: agentSecretKeyRefSchema }),
        )
        .max(16)
        .optional()
        .describe('Credentials the gateway adds for the document\'s security schemes (basic: "user:pass"; bearer: the token; apiKey: the key).'),
    })
    .describe('Tools generated from an OpenAPI document: one per operation.'),
  OPENAPI_RULES,
);

export const MCP_TRANSPORTS = ['http', 'sse'] as const;

const TOOL_RULES: CelRule[] = [
  {
    rule: '(has(self.openapi) ? 1 : 0) + (has(self.ragPipeline) ? 1 : 0) + (has(self.mcpServer) ? 1 : 0) == 1',
    message: 'each tools entry needs exactly one of openapi, ragPipeline, mcpServer',
    fieldPath: '.openapi',
    reason: 'FieldValueRequired',
  },
];

export const toolSourceSchema = withCel(
  z
    .object({
      name: label('Name of this tool source, unique in the product; names its MCP server.'),
      openapi: openApiToolsSchema.optional(),
      ragPipeline: z
        .object({ name: objectName('RagPipeline name, same namespace.') })
        .optional()
        .describe("A RagPipeline's search tool."),
      mcpServer: z
        .object({
          url: z.string().max(2048).regex(HTTP_URL).describe('URL of the MCP server (Streamable HTTP endpoint or SSE endpoint).'),
          transport: z.enum(MCP_TRANSPORTS).default('http'),
          allowTools: z
            .array(z.string().regex(OPERATION_ID))
            .min(1)
            .max(256)
            .meta({ 'x-kubernetes-list-type': 'set' })
            .optional()
            .describe('Tools of the server to expose; all when omitted.'),
        })
        .optional()
        .describe('An existing MCP server, proxied by the gateway (mcp-server plugin type mcp-proxy).'),
    })
    .describe('One source of tools.'),
  TOOL_RULES,
);

const AGENT_MODEL_RULES: CelRule[] = [
  {
    rule: '(has(self.pool) ? 1 : 0) + (has(self.router) ? 1 : 0) == 1',
    message: 'agent.model needs exactly one of pool, router',
    fieldPath: '.pool',
    reason: 'FieldValueRequired',
  },
];

const AGENT_RULES: CelRule[] = [
  {
    // The MCP servers of every product live under /mcp-servers/ (console form); an agent there would shadow one.
    rule: "!has(self.path) || !self.path.startsWith('/mcp-servers/')",
    message: 'agent.path must not be under /mcp-servers/ (where the MCP servers are served)',
    fieldPath: '.path',
  },
];

export const agentSchema = withCel(
  z
    .object({
      model: withCel(
        z.object({
          pool: objectName('ModelPool name, same namespace.').optional(),
          router: objectName('SemanticRouter name, same namespace (name is its virtual model).').optional(),
          name: z.string().min(1).max(128).regex(MODEL_NAME).describe("Model name the pool exposes, or the router's virtual model name."),
        }),
        AGENT_MODEL_RULES,
      ).describe('The model the agent reasons with, called through the gateway.'),
      systemPrompt: z.string().max(8192).optional().describe('Instructions for the agent (see ADR 0006 for how ai-agent carries them).'),
      maxIterations: z.int().min(1).max(50).default(15).describe('ReAct steps before giving up.'),
      maxExecutionTimeSeconds: z.int().min(1).max(600).default(50),
      maxTokens: z.int().min(1).max(1000000).default(1000),
      language: z.enum(['EN', 'CH']).default('EN').describe('Language of the ReAct prompt template.'),
      path: z
        .string()
        .min(1)
        .max(256)
        .regex(/^\/[^\s]*$/)
        .optional()
        .describe('Gateway path of the agent endpoint; default /agents/<namespace>-<name>.'),
    })
    .describe('An OpenAI-compatible agent endpoint that uses the OpenAPI and RagPipeline tools.'),
  AGENT_RULES,
);

export const tokenLimitSchema = withCel(
  z
    .object({
      perSecond: z.int().min(1).optional(),
      perMinute: z.int().min(1).optional(),
      perHour: z.int().min(1).optional(),
      perDay: z.int().min(1).optional(),
    })
    .describe('LLM tokens this consumer may use on the agent endpoint (ai-token-ratelimit).'),
  [
    {
      rule: '(has(self.perSecond) ? 1 : 0) + (has(self.perMinute) ? 1 : 0) + (has(self.perHour) ? 1 : 0) + (has(self.perDay) ? 1 : 0) == 1',
      message: 'tokenLimit needs exactly one of perSecond, perMinute, perHour, perDay',
      fieldPath: '.perMinute',
      reason: 'FieldValueRequired',
    },
  ],
);

export const consumerSchema = z.object({
  name: z.string().min(1).max(63).regex(DNS_LABEL).describe('Consumer name (key-auth consumer, x-mse-consumer).'),
  keySecretRef: agentSecretKeyRefSchema.describe('Secret key holding the API key clients send as "Authorization: Bearer <key>".'),
  tokenLimit: tokenLimitSchema.optional(),
});

export const redisRefSchema = z
  .object({
    service: z.object({
      name: objectName('Redis Service name.'),
      namespace: z.string().min(1).max(63).regex(DNS_LABEL).optional().describe('Default: the gateway namespace.'),
    }),
    port: z.int().min(1).max(65535).default(6379),
    passwordSecretRef: agentSecretKeyRefSchema.optional(),
    database: z.int().min(0).max(15).optional(),
  })
  .describe('Redis that ai-token-ratelimit counts tokens in.');

export const accessSchema = z
  .object({
    consumers: z.array(consumerSchema).max(64).optional().describe('Who may call; with none, the endpoints are open.'),
    redis: redisRefSchema.optional(),
  })
  .describe("key-auth consumers and per-consumer token limits on the product's routes.");

export const agentGatewaySchema = z
  .object({
    namespace: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL)
      .default(DEFAULT_HIGRESS_NAMESPACE)
      .describe('Higress system namespace (where the console keeps its objects).'),
    ingressClassName: objectName('Ingress class Higress watches.').default('higress'),
    hosts: z
      .array(z.string().min(1).max(253).regex(HOST))
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('Hosts the endpoints are served on; none means every host.'),
    url: z
      .string()
      .max(2048)
      .regex(HTTP_URL)
      .optional()
      .describe('How the agent reaches the gateway for its model; default http://higress-gateway.<namespace>.svc.cluster.local.'),
  })
  .describe('Where the product is exposed.');

interface ProductRule extends CelRule {
  message: string;
  fieldPath: string;
  holds: (spec: AgentProductSpecInput) => boolean;
}

type AgentProductSpecInput = {
  tools?: { name: string; openapi?: unknown; ragPipeline?: unknown; mcpServer?: unknown }[] | undefined;
  agent?: unknown;
  access?: { consumers?: { name: string; keySecretRef: { name: string; key: string }; tokenLimit?: unknown }[] | undefined; redis?: unknown } | undefined;
};

const PRODUCT_RULES: ProductRule[] = [
  {
    rule: 'self.tools.all(t, self.tools.exists_one(u, u.name == t.name))',
    message: 'tool source names must be unique within the product',
    fieldPath: '.tools',
    holds: (s) => new Set((s.tools ?? []).map((t) => t.name)).size === (s.tools ?? []).length,
  },
  {
    rule: '!has(self.access) || !has(self.access.consumers) || self.access.consumers.all(c, self.access.consumers.exists_one(d, d.name == c.name))',
    message: 'consumer names must be unique within the product',
    fieldPath: '.access.consumers',
    holds: (s) => new Set((s.access?.consumers ?? []).map((c) => c.name)).size === (s.access?.consumers ?? []).length,
  },
  {
    // ai-token-ratelimit keeps its counters in Redis and refuses to start without one (reference §5.6).
    rule: '!has(self.access) || !has(self.access.consumers) || !self.access.consumers.exists(c, has(c.tokenLimit)) || has(self.access.redis)',
    message: 'access.redis is required when a consumer has a tokenLimit (ai-token-ratelimit counts in Redis)',
    fieldPath: '.access.redis',
    holds: (s) => !(s.access?.consumers ?? []).some((c) => c.tokenLimit !== undefined) || s.access?.redis !== undefined,
  },
  {
    // key-auth tells consumers apart by their key: two consumers reading one Secret key would be one caller.
    rule: '!has(self.access) || !has(self.access.consumers) || self.access.consumers.all(c, self.access.consumers.exists_one(d, d.keySecretRef.name == c.keySecretRef.name && d.keySecretRef.key == c.keySecretRef.key))',
    message: 'consumers must not share a keySecretRef (key-auth tells consumers apart by their key)',
    fieldPath: '.access.consumers',
    holds: (s) => new Set((s.access?.consumers ?? []).map((c) => `${c.keySecretRef.name}/${c.keySecretRef.key}`)).size === (s.access?.consumers ?? []).length,
  },
  {
    // ai-agent calls tools as OpenAPI operations only (reference §5.9): MCP servers give it nothing to call.
    rule: '!has(self.agent) || self.tools.exists(t, has(t.openapi) || has(t.ragPipeline))',
    message: 'agent needs an openapi or ragPipeline tool source (ai-agent cannot call MCP servers)',
    fieldPath: '.agent',
    holds: (s) => s.agent === undefined || (s.tools ?? []).some((t) => t.openapi !== undefined || t.ragPipeline !== undefined),
  },
  {
    rule: '!has(self.access) || !has(self.access.consumers) || !self.access.consumers.exists(c, has(c.tokenLimit)) || has(self.agent)',
    message: 'tokenLimit applies to the agent endpoint; set agent or remove tokenLimit',
    fieldPath: '.access.consumers',
    holds: (s) => !(s.access?.consumers ?? []).some((c) => c.tokenLimit !== undefined) || s.agent !== undefined,
  },
];

const specObject = z
  .object({
    gateway: agentGatewaySchema.default({ namespace: DEFAULT_HIGRESS_NAMESPACE, ingressClassName: 'higress' }),
    tools: z.array(toolSourceSchema).min(1).max(16).describe('Where the tools come from; each source becomes one MCP server.'),
    agent: agentSchema.optional(),
    access: accessSchema.optional(),
    publish: publishSpecSchema.optional(), // HiMarket product (src/controllers/himarket-wiring.ts)
  })
  .describe('Desired state of an AgentProduct.');

export const agentProductSpecSchema = withCel(
  specObject,
  PRODUCT_RULES.map(({ holds: _h, ...cel }) => cel),
).superRefine((spec, ctx) => {
  for (const r of PRODUCT_RULES) {
    if (!r.holds(spec)) ctx.addIssue({ code: 'custom', path: r.fieldPath.replace(/^\./, '').split('.'), message: r.message });
  }
  spec.tools.forEach((t, i) => {
    if ([t.openapi, t.ragPipeline, t.mcpServer].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['tools', i, 'openapi'], message: TOOL_RULES[0]!.message! });
    }
    const o = t.openapi;
    if (o && [o.inline, o.configMap, o.url].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['tools', i, 'openapi', 'inline'], message: OPENAPI_RULES[0]!.message! });
    }
    if (o?.operations && new Set(o.operations).size !== o.operations.length) {
      ctx.addIssue({ code: 'custom', path: ['tools', i, 'openapi', 'operations'], message: OPERATIONS_UNIQUE });
    }
    if (o?.credentials && new Set(o.credentials.map((c) => c.scheme)).size !== o.credentials.length) {
      ctx.addIssue({ code: 'custom', path: ['tools', i, 'openapi', 'credentials'], message: OPENAPI_RULES[1]!.message! });
    }
    const allow = t.mcpServer?.allowTools;
    if (allow && new Set(allow).size !== allow.length) {
      ctx.addIssue({ code: 'custom', path: ['tools', i, 'mcpServer', 'allowTools'], message: 'mcpServer.allowTools must not repeat a tool' });
    }
  });
  const m = spec.agent?.model;
  if (m && (m.pool === undefined) === (m.router === undefined))
    ctx.addIssue({ code: 'custom', path: ['agent', 'model', 'pool'], message: AGENT_MODEL_RULES[0]!.message! });
  if (spec.agent?.path?.startsWith('/mcp-servers/')) ctx.addIssue({ code: 'custom', path: ['agent', 'path'], message: AGENT_RULES[0]!.message! });
  const hosts = spec.gateway.hosts ?? [];
  if (new Set(hosts).size !== hosts.length) ctx.addIssue({ code: 'custom', path: ['gateway', 'hosts'], message: 'gateway.hosts must not repeat a host' });
  (spec.access?.consumers ?? []).forEach((c, i) => {
    const l = c.tokenLimit;
    if (l && [l.perSecond, l.perMinute, l.perHour, l.perDay].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['access', 'consumers', i, 'tokenLimit', 'perMinute'],
        message: 'tokenLimit needs exactly one of perSecond, perMinute, perHour, perDay',
      });
    }
  });
});

export const mcpServerStatusSchema = z.object({
  source: z.string().max(63).describe('tools[].name this server comes from.'),
  name: z.string().max(253).describe('MCP server name as the Higress console lists it.'),
  type: z.enum(['OPEN_API', 'DIRECT_ROUTE']).describe('Console MCP server type.'),
  path: z.string().max(256).describe('Gateway path of the MCP endpoint.'),
  tools: z.array(z.string().max(160)).max(512).optional(),
});

export const agentProductStatusSchema = statusSchema({
  toolsetRevision: z.string().max(64).optional().describe('Hash of the rendered tool configs; changes with every tool change.'),
  toolCount: z.int().min(0).optional(),
  tools: z.array(z.string().max(160)).max(1024).optional().describe('Every tool name the MCP servers expose.'),
  mcpServers: z.array(mcpServerStatusSchema).max(16).optional(),
  agentEndpoint: z.string().max(2048).optional().describe('Gateway path of the OpenAI-compatible agent endpoint (/v1/chat/completions below it).'),
  agentTools: z.array(z.string().max(160)).max(1024).optional().describe('Tools the agent can call (ai-agent takes GET/POST JSON operations only).'),
  consumers: z.array(z.string().max(63)).max(64).optional(),
  generatedObjects: z.array(generatedObjectSchema).max(32).optional(),
  publish: publishStatusSchema.optional(), // written by the HiMarket publish controller only
}).describe('Observed state of an AgentProduct.');

/** The root rule below, in zod: console names extend the product name (mcp-server-<ns>-<name>-<source>.internal). */
const MAX_NAME = 40;

export const agentProductSchema = customResourceSchema('AgentProduct', agentProductSpecSchema, agentProductStatusSchema).extend({
  metadata: objectMetaSchema.extend({ name: z.string().max(MAX_NAME) }),
});

export type AgentProductSpecIn = z.input<typeof agentProductSpecSchema>;
export type AgentProductSpec = z.output<typeof agentProductSpecSchema>;
export type AgentProductStatus = z.output<typeof agentProductStatusSchema>;
export type AgentProduct = z.output<typeof agentProductSchema>;
export type ToolSource = AgentProductSpec['tools'][number];

export const agentProductCrd = defineCrd({
  kind: 'AgentProduct',
  plural: 'agentproducts',
  singular: 'agentproduct',
  shortNames: ['agent', 'ap'],
  description: 'AgentProduct turns OpenAPI documents, RagPipelines and MCP servers into secured MCP servers and an agent API on the Higress gateway.',
  spec: agentProductSpecSchema,
  status: agentProductStatusSchema,
  rootRules: [
    // Console names are mcp-server-<namespace>-<name>-<source>.internal; keep them within label limits.
    maxNameRule('AgentProduct', MAX_NAME, 'generated console names extend them'),
  ],
  printerColumns: [
    { name: 'Tools', type: 'integer', jsonPath: '.status.toolCount' },
    readyColumn,
    reasonColumn(),
    { name: 'Agent', type: 'string', jsonPath: '.status.agentEndpoint', priority: 1 },
    ageColumn,
  ],
});
