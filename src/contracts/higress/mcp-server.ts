import { z } from 'zod';

/**
 * mcp-server plugin config: REST APIs exposed as MCP tools (reference §5.8). Implemented in
 * `higress-group/wasm-go` `pkg/mcp/server/`: `plugin.go` `parseConfigCore` (server, toolSet, tools,
 * allowTools), `rest_server.go` (`RestTool`, `RestToolArg`, templates, `parseTemplates`),
 * `proxy_server.go` (mcp-proxy tools), `auth_utils.go` (security schemes). The console writes one rule per
 * OPEN_API server on WasmPlugin `mcp-server.internal` (`{ingress: [mcp-server-<n>.internal], config}`);
 * `openapi-to-mcpserver` emits the same shape. Go's `json.Unmarshal` ignores unknown keys; we reject them.
 */

/** `auth_utils.go` `SecurityScheme`. */
export const mcpSecuritySchemeSchema = z
  .strictObject({
    id: z.string().min(1),
    type: z.enum(['http', 'apiKey']),
    /** For `http`. */
    scheme: z.enum(['basic', 'bearer']).optional(),
    /** For `apiKey`. */
    in: z.enum(['header', 'query']).optional(),
    name: z.string().min(1).optional(),
    defaultCredential: z.string().optional(),
  })
  .refine((s) => s.type !== 'http' || s.scheme !== undefined, { message: 'http security schemes need scheme', path: ['scheme'] })
  .refine((s) => s.type !== 'apiKey' || (s.in !== undefined && s.name !== undefined), { message: 'apiKey security schemes need in and name', path: ['name'] });

/** `auth_utils.go` `SecurityRequirement`: a reference to a scheme id. */
export const mcpSecurityRequirementSchema = z.strictObject({
  id: z.string().min(1),
  credential: z.string().optional(),
  passthrough: z.boolean().optional(),
});

const JSON_SCHEMA_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

/** `rest_server.go` `RestToolArg`; `position` is lower-cased by `parseTemplates` (we want it lower already). */
export const mcpToolArgSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  type: z.enum(JSON_SCHEMA_TYPES).optional(),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  /** JSON Schema of array items. */
  items: z.unknown().optional(),
  /** JSON Schema properties of an object argument. */
  properties: z.unknown().optional(),
  /** Where the argument goes in the upstream request (`rest_server.go` switch on path/query/header/cookie/body). */
  position: z.enum(['query', 'path', 'header', 'cookie', 'body']).optional(),
});

/** `rest_server.go` `RestToolRequestTemplate`; `url` and header values are Go templates over `.args`/`.config`. */
export const mcpRequestTemplateSchema = z
  .strictObject({
    url: z.string().min(1),
    // rest_server.go hands RequestTemplate.Method to ctx.RouteCall unchecked; these are the OpenAPI 3 operations.
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE']),
    headers: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
    body: z.string().optional(),
    argsToJsonBody: z.boolean().optional(),
    argsToUrlParam: z.boolean().optional(),
    argsToFormBody: z.boolean().optional(),
    security: mcpSecurityRequirementSchema.optional(),
  })
  .refine((t) => [t.body !== undefined && t.body !== '', t.argsToJsonBody, t.argsToUrlParam, t.argsToFormBody].filter(Boolean).length <= 1, {
    // parseTemplates rejects two argsTo* switches; a body template beside one is ambiguous, so we reject it too.
    message: 'set at most one of body, argsToJsonBody, argsToUrlParam, argsToFormBody',
  });

/** `rest_server.go` `RestToolResponseTemplate`: `body` excludes `prependBody`/`appendBody` (`parseTemplates`). */
export const mcpResponseTemplateSchema = z
  .strictObject({ body: z.string().optional(), prependBody: z.string().optional(), appendBody: z.string().optional() })
  .refine((t) => !t.body || (!t.prependBody && !t.appendBody), { message: 'prependBody and appendBody cannot be used when body is specified' });

/**
 * `rest_server.go` `RestTool`. Without `requestTemplate.url` the tool is a direct-response tool and then
 * `responseTemplate.body` is required (`parseTemplates`).
 */
export const mcpRestToolSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string(),
    security: mcpSecurityRequirementSchema.optional(),
    args: z.array(mcpToolArgSchema).optional(),
    /** JSON Schema of the tool result (MCP 2025-06-18 `outputSchema`). */
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    requestTemplate: mcpRequestTemplateSchema.optional(),
    responseTemplate: mcpResponseTemplateSchema.optional(),
    errorResponseTemplate: z.string().optional(),
  })
  .refine((t) => t.requestTemplate !== undefined || !!t.responseTemplate?.body, {
    message: 'a tool without requestTemplate (direct response) must set responseTemplate.body',
    path: ['responseTemplate'],
  })
  .refine((t) => new Set((t.args ?? []).map((a) => a.name)).size === (t.args ?? []).length, { message: 'args[].name must be unique', path: ['args'] });
export type McpRestTool = z.infer<typeof mcpRestToolSchema>;

/** `plugin.go` server block; `transport` and `mcpServerURL` only for `mcp-proxy` (`setupMcpProxyServer`). */
export const mcpServerBlockSchema = z
  .strictObject({
    name: z.string().min(1),
    /** Free map, referenced in templates as `.config.X`. */
    config: z.record(z.string(), z.unknown()).optional(),
    type: z.enum(['rest', 'mcp-proxy']).optional(),
    transport: z.enum(['http', 'sse']).optional(),
    mcpServerURL: z.url().optional(),
    timeout: z.int().positive().optional(),
    securitySchemes: z.array(mcpSecuritySchemeSchema).optional(),
    defaultDownstreamSecurity: mcpSecurityRequirementSchema.optional(),
    defaultUpstreamSecurity: mcpSecurityRequirementSchema.optional(),
    passthroughAuthHeader: z.boolean().optional(),
  })
  .refine((s) => s.type !== 'mcp-proxy' || (s.transport !== undefined && s.mcpServerURL !== undefined), {
    message: 'mcp-proxy servers need transport and mcpServerURL',
    path: ['mcpServerURL'],
  });

/** `plugin.go` `ToolSetConfig`: a composed server over tools of other servers (routed by mcp-router). */
const toolSetSchema = z.strictObject({
  name: z.string().min(1),
  serverTools: z.array(z.strictObject({ serverName: z.string().min(1), tools: z.array(z.string().min(1)) })),
});

export const mcpServerConfigSchema = z
  .strictObject({
    server: mcpServerBlockSchema.optional(),
    toolSet: toolSetSchema.optional(),
    tools: z.array(mcpRestToolSchema).optional(),
    allowTools: z.array(z.string().min(1)).optional(),
  })
  .refine((c) => c.server !== undefined || c.toolSet !== undefined, { message: "either 'server' or 'toolSet' must be present (plugin.go)", path: ['server'] })
  .refine((c) => new Set((c.tools ?? []).map((t) => t.name)).size === (c.tools ?? []).length, { message: 'tools[].name must be unique', path: ['tools'] })
  .superRefine((c, ctx) => {
    // A tool may only reference schemes the server declares (auth_utils.go looks them up by id).
    const ids = new Set((c.server?.securitySchemes ?? []).map((s) => s.id));
    const refs: { id: string; path: (string | number)[] }[] = [];
    if (c.server?.defaultDownstreamSecurity) refs.push({ id: c.server.defaultDownstreamSecurity.id, path: ['server', 'defaultDownstreamSecurity', 'id'] });
    if (c.server?.defaultUpstreamSecurity) refs.push({ id: c.server.defaultUpstreamSecurity.id, path: ['server', 'defaultUpstreamSecurity', 'id'] });
    (c.tools ?? []).forEach((t, i) => {
      if (t.security) refs.push({ id: t.security.id, path: ['tools', i, 'security', 'id'] });
      if (t.requestTemplate?.security) refs.push({ id: t.requestTemplate.security.id, path: ['tools', i, 'requestTemplate', 'security', 'id'] });
    });
    for (const r of refs)
      if (!ids.has(r.id)) ctx.addIssue({ code: 'custom', path: r.path, message: `security scheme '${r.id}' is not declared in server.securitySchemes` });
  });
export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;
/** Rules are whole configs: each rule is one server. */
export const mcpServerRuleConfigSchema = mcpServerConfigSchema;
