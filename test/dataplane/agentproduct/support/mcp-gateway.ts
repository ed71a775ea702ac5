import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RestMcpServerConfig, RestTool, SecurityScheme } from '../../../../src/agent/mcp-config.js';
import { restMcpServerConfigSchema } from '../../../../src/agent/mcp-config.js';
import { readOptionalJson } from '../../../../src/util/http-body.js';
import { renderGoTemplate } from './go-template.js';

/**
 * TEST SUPPORT, not product: an MCP server that executes a REST-to-MCP config the way the mcp-server Wasm
 * plugin does (higress-group/wasm-go pkg/mcp/server/rest_server.go, read 2026-11-30), so a real MCP SDK
 * client can list and call generated tools against a loopback REST API. Followed step by step:
 *
 *  - tools/list: inputSchema = {type: object, properties: {name: {description, type (string default), enum,
 *    default, items (arrays), properties (objects)}}, required} (InputSchema()); outputSchema as configured.
 *  - tools/call: args coerced by declared type, defaults applied (Create()); URL/header/body templates
 *    rendered over {config, args}; `{name}` replaced by path args; query args set on the URL; header args
 *    appended; cookie args joined into one Cookie header; body: explicit template > argsToJsonBody >
 *    argsToFormBody > body args (form when the Content-Type header says form, else JSON with a JSON
 *    Content-Type added); argsToUrlParam puts position-less args in the query; Accept: *\/* unless set;
 *    security applied last (auth_utils.go ApplySecurity: bearer/basic Authorization, apiKey header/query).
 *  - response: non-2xx → isError "call failed, status: N, response: BODY"; prependBody + body + appendBody,
 *    or a body template over the response JSON; "success" for an empty body; structuredContent = the body
 *    when an outputSchema is configured and the body is valid JSON.
 *
 * The upstream request it would send is also recorded (`calls`) so tests can assert positions exactly.
 */
export interface UpstreamCall {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

export interface McpGateway {
  url: string;
  calls: UpstreamCall[];
  close(): Promise<void>;
}

export async function startMcpGateway(rawConfig: unknown): Promise<McpGateway> {
  const config = restMcpServerConfigSchema.parse(rawConfig);
  const calls: UpstreamCall[] = [];
  const tools = new Map(config.tools.map((t) => [t.name, t]));
  const allowed = (name: string) => !config.allowTools || config.allowTools.includes(name);

  const build = () => {
    const server = new Server({ name: config.server.name, version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: config.tools
        .filter((t) => allowed(t.name))
        .map((t) => ({
          name: t.name,
          description: t.description,
          inputSchema: inputSchema(t),
          ...(t.outputSchema ? { outputSchema: t.outputSchema as { type: 'object' } } : {}),
        })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
      const tool = tools.get(req.params.name);
      if (!tool || !allowed(tool.name)) return { isError: true, content: [{ type: 'text', text: `unknown tool ${req.params.name}` }] };
      return callTool(config, tool, req.params.arguments ?? {}, calls);
    });
    return server;
  };

  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const body = await readOptionalJson(req, 32 * 1024 * 1024);
      const server = build();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => void transport.close().then(() => server.close()));
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

function inputSchema(t: RestTool): { type: 'object'; properties: Record<string, unknown>; required?: string[] } {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const a of t.args) {
    const type = a.type ?? 'string';
    properties[a.name] = {
      description: a.description,
      type,
      ...(a.enum?.length ? { enum: a.enum } : {}),
      ...(a.default !== undefined ? { default: a.default } : {}),
      ...(type === 'array' && a.items ? { items: a.items } : {}),
      ...(type === 'object' && a.properties ? { properties: a.properties } : {}),
    };
    if (a.required) required.push(a.name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

/** Create(): keep declared args only, apply defaults, coerce "true"/"42" strings for typed args. */
function coerceArgs(t: RestTool, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of t.args) {
    if (!(a.name in raw)) {
      if (a.default !== undefined) out[a.name] = a.default;
      continue;
    }
    const v = raw[a.name];
    if (a.type === 'boolean' && typeof v === 'string' && (v === 'true' || v === 'false')) out[a.name] = v === 'true';
    else if (a.type === 'integer' && typeof v === 'number') out[a.name] = Math.trunc(v);
    else if (a.type === 'integer' && typeof v === 'string' && /^-?\d+$/.test(v)) out[a.name] = Number(v);
    else if (a.type === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) out[a.name] = Number(v);
    else out[a.name] = v;
  }
  return out;
}

/** convertArgToString: strings raw, scalars printed, everything else as JSON. */
const argString = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
const hasContentType = (headers: [string, string][], needle: string) =>
  headers.some(([k, v]) => k.toLowerCase() === 'content-type' && v.toLowerCase().includes(needle));

async function callTool(config: RestMcpServerConfig, t: RestTool, raw: Record<string, unknown>, calls: UpstreamCall[]): Promise<CallToolResult> {
  const args = coerceArgs(t, raw);
  const data = { config: config.server.config ?? {}, args };
  const rt = t.requestTemplate;
  let urlStr = renderGoTemplate(rt.url, data);
  const headers: [string, string][] = (rt.headers ?? []).map((h) => [h.key, renderGoTemplate(h.value, data)]);
  const positions = new Map(t.args.filter((a) => a.position).map((a) => [a.name, a.position!]));
  const byPos: Record<string, Record<string, unknown>> = { path: {}, query: {}, header: {}, cookie: {}, body: {}, default: {} };
  for (const [name, value] of Object.entries(args)) byPos[positions.get(name) ?? 'default']![name] = value;

  for (const [name, value] of Object.entries(byPos.path!)) urlStr = urlStr.split(`{${name}}`).join(argString(value));
  const url = new URL(urlStr);
  for (const [name, value] of Object.entries(byPos.query!)) url.searchParams.set(name, argString(value));
  if (rt.argsToUrlParam) for (const [name, value] of Object.entries(byPos.default!)) url.searchParams.set(name, argString(value));
  for (const [name, value] of Object.entries(byPos.header!)) headers.push([name, argString(value)]);
  for (const [name, value] of Object.entries(byPos.cookie!)) {
    const cookie = `${name}=${argString(value)}`;
    const existing = headers.find(([k]) => k.toLowerCase() === 'cookie');
    if (existing) existing[1] = `${existing[1]}; ${cookie}`;
    else headers.push(['Cookie', cookie]);
  }

  let body = '';
  const json = hasContentType(headers, 'application/json');
  const form = hasContentType(headers, 'application/x-www-form-urlencoded');
  const formOf = (...groups: Record<string, unknown>[]) => {
    const p = new URLSearchParams();
    for (const g of groups) for (const [k, v] of Object.entries(g)) p.set(k, argString(v));
    return p.toString();
  };
  if (rt.body) {
    body = renderGoTemplate(rt.body, data);
    const trimmed = body.trim();
    if (!json && /^[[{][\s\S]*[\]}]$/.test(trimmed) && isJson(trimmed)) headers.push(['Content-Type', 'application/json; charset=utf-8']);
  } else if (rt.argsToJsonBody) {
    body = JSON.stringify({ ...byPos.body, ...byPos.default });
    if (!json) headers.push(['Content-Type', 'application/json; charset=utf-8']);
  } else if (rt.argsToFormBody) {
    body = formOf(byPos.body!, byPos.default!);
    if (!form) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  } else if (Object.keys(byPos.body!).length > 0) {
    if (form) body = formOf(byPos.body!);
    else {
      body = JSON.stringify(byPos.body);
      if (!json) headers.push(['Content-Type', 'application/json; charset=utf-8']);
    }
  }
  if (!headers.some(([k]) => k.toLowerCase() === 'accept')) headers.push(['Accept', '*/*']);
  applySecurity(config, t, headers, url);

  calls.push({ method: rt.method, url: url.toString(), headers: headers.map(([k, v]) => [k, v]), body });
  const res = await fetch(url, { method: rt.method, headers, ...(body && rt.method !== 'GET' && rt.method !== 'HEAD' ? { body } : {}) });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) {
    return { isError: true, content: [{ type: 'text', text: `call failed, status: ${res.status}, response: ${text}` }] };
  }
  const resp = t.responseTemplate ?? {};
  let result: string;
  if (resp.body) result = renderGoTemplate(resp.body, isJson(text) ? (JSON.parse(text) as Record<string, unknown>) : {});
  else result = (resp.prependBody ?? '') + text + (resp.appendBody ?? '');
  if (result === '') result = 'success';
  const structured = t.outputSchema && isJson(text) ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { content: [{ type: 'text', text: result }], ...(structured ? { structuredContent: structured } : {}) };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Tool-level requestTemplate.security, else defaultUpstreamSecurity; credential override, else the scheme's default. */
function applySecurity(config: RestMcpServerConfig, t: RestTool, headers: [string, string][], url: URL): void {
  const req = t.requestTemplate.security ?? config.server.defaultUpstreamSecurity;
  if (!req) return;
  const scheme: SecurityScheme | undefined = config.server.securitySchemes?.find((s) => s.id === req.id);
  const credential = req.credential ?? scheme?.defaultCredential;
  if (!scheme || !credential) return; // the plugin logs and sends the request without credentials
  const set = (key: string, value: string) => {
    const h = headers.find(([k]) => k.toLowerCase() === key.toLowerCase());
    if (h) h[1] = value;
    else headers.push([key, value]);
  };
  if (scheme.type === 'http' && scheme.scheme === 'bearer') set('Authorization', credential.startsWith('Bearer ') ? credential : `Bearer ${credential}`);
  else if (scheme.type === 'http' && scheme.scheme === 'basic') {
    set(
      'Authorization',
      credential.startsWith('Basic ') ? credential : `Basic ${credential.includes(':') ? Buffer.from(credential).toString('base64') : credential}`,
    );
  } else if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) set(scheme.name, credential);
  else if (scheme.type === 'apiKey' && scheme.in === 'query' && scheme.name) url.searchParams.set(scheme.name, credential);
}
