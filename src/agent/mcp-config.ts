import { z } from 'zod';

/**
 * The mcp-server Wasm plugin's REST-to-MCP config, as its Go structs read it
 * (higress-group/wasm-go pkg/mcp/server/rest_server.go: RestTool, RestToolArg, RestToolRequestTemplate,
 * RestToolResponseTemplate; auth_utils.go: SecurityScheme, SecurityRequirement; plugin.go: server,
 * allowTools, tools) and as higress-group/openapi-to-mcpserver emits it (pkg/models/mcp_config.go). One
 * matchRule `config` on the console's `mcp-server.internal` WasmPlugin holds one of these per server.
 * Every golden parses through this schema.
 */

export const ARG_POSITIONS = ['query', 'path', 'header', 'cookie', 'body'] as const;
export type ArgPosition = (typeof ARG_POSITIONS)[number];
export const ARG_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

const jsonValue: z.ZodType<unknown> = z.unknown();

export const restToolArgSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  type: z.enum(ARG_TYPES).optional(),
  required: z.boolean().optional(),
  default: jsonValue.optional(),
  enum: z.array(jsonValue).optional(),
  items: z.record(z.string(), jsonValue).optional(),
  properties: z.record(z.string(), jsonValue).optional(),
  position: z.enum(ARG_POSITIONS).optional(),
});

export const securityRequirementSchema = z.strictObject({
  id: z.string().min(1),
  credential: z.string().optional(),
  passthrough: z.boolean().optional(),
});

export const requestTemplateSchema = z
  .strictObject({
    url: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE']),
    headers: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
    body: z.string().optional(),
    argsToJsonBody: z.boolean().optional(),
    argsToUrlParam: z.boolean().optional(),
    argsToFormBody: z.boolean().optional(),
    security: securityRequirementSchema.optional(),
  })
  // parseTemplates(): "only one of argsToJsonBody, argsToUrlParam, or argsToFormBody can be set to true".
  .refine((t) => [t.argsToJsonBody, t.argsToUrlParam, t.argsToFormBody].filter(Boolean).length <= 1, {
    message: 'only one of argsToJsonBody, argsToUrlParam, argsToFormBody may be true',
  });

export const responseTemplateSchema = z
  .strictObject({ body: z.string().optional(), prependBody: z.string().optional(), appendBody: z.string().optional() })
  // parseTemplates(): "PrependBody and AppendBody cannot be used when Body is specified".
  .refine((t) => !t.body || (!t.prependBody && !t.appendBody), { message: 'body excludes prependBody/appendBody' });

export const restToolSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  description: z.string(),
  args: z.array(restToolArgSchema),
  requestTemplate: requestTemplateSchema,
  responseTemplate: responseTemplateSchema.optional(),
  errorResponseTemplate: z.string().optional(),
  security: securityRequirementSchema.optional(),
  outputSchema: z.record(z.string(), jsonValue).optional(),
});

export const securitySchemeSchema = z.strictObject({
  id: z.string().min(1),
  type: z.enum(['http', 'apiKey']),
  scheme: z.enum(['basic', 'bearer']).optional(),
  in: z.enum(['header', 'query']).optional(),
  name: z.string().optional(),
  defaultCredential: z.string().optional(),
});

export const restServerSchema = z.strictObject({
  name: z.string().min(1),
  type: z.literal('rest').optional(),
  config: z.record(z.string(), jsonValue).optional(),
  securitySchemes: z.array(securitySchemeSchema).optional(),
  defaultUpstreamSecurity: securityRequirementSchema.optional(),
  defaultDownstreamSecurity: securityRequirementSchema.optional(),
  passthroughAuthHeader: z.boolean().optional(),
});

/** A REST server: tools called through request templates. */
export const restMcpServerConfigSchema = z.strictObject({
  server: restServerSchema,
  allowTools: z.array(z.string()).optional(),
  tools: z.array(restToolSchema),
});

/** An existing MCP server proxied by the plugin (`type: mcp-proxy`; plugin.go requires transport and URL). */
export const proxyMcpServerConfigSchema = z.strictObject({
  server: z.strictObject({
    name: z.string().min(1),
    type: z.literal('mcp-proxy'),
    transport: z.enum(['http', 'sse']),
    mcpServerURL: z.string().url(),
    timeout: z.int().positive().optional(),
  }),
  allowTools: z.array(z.string()).optional(),
});

export type RestToolArg = z.infer<typeof restToolArgSchema>;
export type RestTool = z.infer<typeof restToolSchema>;
export type SecurityScheme = z.infer<typeof securitySchemeSchema>;
export type SecurityRequirement = z.infer<typeof securityRequirementSchema>;
export type RestMcpServerConfig = z.infer<typeof restMcpServerConfigSchema>;
export type ProxyMcpServerConfig = z.infer<typeof proxyMcpServerConfigSchema>;
