import { ARG_TYPES, type RestMcpServerConfig, type RestTool, type RestToolArg, type SecurityRequirement, type SecurityScheme } from '../mcp-config.js';
import { describeResponse } from './describe.js';
import { OpenApiError, type OpenApiWarning } from './errors.js';
import { isObject, type OpenApiDocument } from './load.js';
import { childPointer, pointerOf } from './pointer.js';
import { primaryType, SchemaResolver, type JsonSchema } from './schema.js';
import { byCodeUnit } from '../../util/order.js';

/**
 * OpenAPI 3.0/3.1 → the mcp-server plugin's REST-to-MCP config: one tool per operation, in the shape
 * higress-group/openapi-to-mcpserver emits (pkg/converter/converter.go) — name = prefix + operationId,
 * args sorted by name with their OpenAPI position, `requestTemplate.url` = server URL + path with `{param}`
 * placeholders the plugin fills from path args, a Content-Type header for bodies, `responseTemplate.prependBody`
 * describing the response fields, `outputSchema` from the 2xx JSON schema, security schemes on the server.
 *
 * Where the community tool is silent or lossy this one is strict: every `$ref` is resolved (the plugin never
 * resolves one), an operation without operationId is an error (a generated name would change whenever the
 * path does, breaking allow-lists), and every error names the JSON pointer at fault.
 */

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ConvertOptions {
  /** `server.name` of the plugin config (the console uses the MCP server's name). */
  serverName: string;
  /** Prepended to every operationId. */
  toolPrefix?: string;
  /** operationIds to keep (allow-list); all when omitted. Unknown ids are an error. */
  operations?: readonly string[];
  /** Overrides `servers[0].url` (needed when it is relative or absent). */
  baseUrl?: string;
  /** Credential per security scheme id, written as the scheme's `defaultCredential`. */
  credentials?: Readonly<Record<string, string>>;
}

/** One converted operation, with what the agent runtime and the status need beyond the tool itself. */
export interface ConvertedOperation {
  operationId: string;
  method: HttpMethod;
  path: string;
  pointer: string;
  tool: RestTool;
  /** Request body media type, when there is one. */
  bodyMediaType?: string;
}

export interface ConvertResult {
  config: RestMcpServerConfig;
  operations: ConvertedOperation[];
  /** Security scheme ids the tools use that have no credential. */
  schemesWithoutCredential: string[];
  /** Server URL the tools call (after baseUrl override and variable defaults). */
  serverUrl: string;
  warnings: OpenApiWarning[];
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const JSON_MEDIA = /^application\/([\w.+-]+\+)?json\b/i;
const FORM_MEDIA = /^application\/x-www-form-urlencoded\b/i;

export function convertOpenApi(doc: OpenApiDocument, options: ConvertOptions): ConvertResult {
  const warnings: OpenApiWarning[] = [];
  const resolver = new SchemaResolver(doc, warnings);
  const serverUrl = resolveServerUrl(doc, options.baseUrl);
  const schemes = convertSecuritySchemes(doc, resolver, options.credentials ?? {}, warnings);
  const wanted = options.operations ? new Set(options.operations) : undefined;

  const operations: ConvertedOperation[] = [];
  const byName = new Map<string, string>();
  for (const path of Object.keys(doc.paths)) {
    const pathAt = pointerOf(['paths', path]);
    const { value: item, at: itemAt } = resolver.deref(doc.paths[path], pathAt);
    if (!isObject(item)) throw new OpenApiError('InvalidDocument', pathAt, 'path item must be an object');
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const opAt = childPointer(itemAt, method);
      if (!isObject(op)) throw new OpenApiError('InvalidDocument', opAt, 'operation must be an object');
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || operationId === '') {
        throw new OpenApiError('MissingOperationId', opAt, `operation ${method.toUpperCase()} ${path} has no operationId (tools are named after it)`);
      }
      if (wanted && !wanted.has(operationId)) continue;
      const name = `${options.toolPrefix ?? ''}${operationId}`;
      if (!TOOL_NAME.test(name)) {
        throw new OpenApiError('InvalidToolName', childPointer(opAt, 'operationId'), `tool name "${name}" must match ${TOOL_NAME.source}`);
      }
      const clash = byName.get(name);
      if (clash) throw new OpenApiError('DuplicateToolName', childPointer(opAt, 'operationId'), `tool name "${name}" is also produced by ${clash}`);
      byName.set(name, childPointer(opAt, 'operationId'));
      operations.push(convertOperation({ doc, resolver, item, itemAt, op, opAt, method, path, name, serverUrl, schemes, warnings }));
    }
  }
  if (wanted) {
    const found = new Set(operations.map((o) => o.operationId));
    const missing = [...wanted].filter((id) => !found.has(id));
    if (missing.length) throw new OpenApiError('UnknownOperation', '#/paths', `no operation with operationId ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  operations.sort((a, b) => byCodeUnit(a.tool.name, b.tool.name));

  const used = new Set(operations.flatMap((o) => (o.tool.requestTemplate.security ? [o.tool.requestTemplate.security.id] : [])));
  const schemesWithoutCredential = schemes.filter((s) => used.has(s.id) && !s.defaultCredential).map((s) => s.id);
  const config: RestMcpServerConfig = {
    server: { name: options.serverName, ...(schemes.length ? { securitySchemes: schemes } : {}) },
    tools: operations.map((o) => o.tool),
  };
  return { config, operations, schemesWithoutCredential, serverUrl, warnings };
}

/** `servers[0].url` with `{variable}`s replaced by their defaults; `baseUrl` wins. Must be absolute. */
function resolveServerUrl(doc: OpenApiDocument, baseUrl: string | undefined): string {
  if (baseUrl) return baseUrl.replace(/\/+$/, '');
  const servers: unknown = doc.servers;
  const first: unknown = Array.isArray(servers) ? servers[0] : undefined;
  if (!isObject(first) || typeof first.url !== 'string') {
    throw new OpenApiError('NoServerUrl', '#/servers', 'the document names no server; give a base URL for the tools to call');
  }
  const vars = isObject(first.variables) ? first.variables : {};
  const url = first.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = vars[name];
    // OpenAPI requires a string; a YAML number is taken as written.
    return isObject(v) && (typeof v.default === 'string' || typeof v.default === 'number') ? String(v.default) : whole;
  });
  if (!/^https?:\/\/[^/{}\s]+/.test(url)) {
    throw new OpenApiError('NoServerUrl', '#/servers/0/url', `server URL "${first.url}" is not absolute; give a base URL for the tools to call`);
  }
  return url.replace(/\/+$/, '');
}

/**
 * components.securitySchemes → plugin `securitySchemes`. The plugin applies http basic/bearer and apiKey in
 * header/query (auth_utils.go ApplySecurity); oauth2, openIdConnect, mutualTLS and cookie keys are left out
 * with a warning, and tools requiring only those call without credentials.
 */
function convertSecuritySchemes(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  credentials: Readonly<Record<string, string>>,
  warnings: OpenApiWarning[],
): SecurityScheme[] {
  const components = isObject(doc.components) ? doc.components : {};
  const defined = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const out: SecurityScheme[] = [];
  for (const id of Object.keys(defined).sort()) {
    const at = pointerOf(['components', 'securitySchemes', id]);
    const { value } = resolver.deref(defined[id], at);
    if (!isObject(value)) throw new OpenApiError('InvalidDocument', at, 'security scheme must be an object');
    const credential = credentials[id];
    const withCredential = (s: SecurityScheme): SecurityScheme => (credential !== undefined ? { ...s, defaultCredential: credential } : s);
    const scheme = typeof value.scheme === 'string' ? value.scheme.toLowerCase() : undefined;
    if (value.type === 'http' && (scheme === 'basic' || scheme === 'bearer')) {
      out.push(withCredential({ id, type: 'http', scheme }));
    } else if (value.type === 'apiKey' && (value.in === 'header' || value.in === 'query') && typeof value.name === 'string') {
      out.push(withCredential({ id, type: 'apiKey', in: value.in, name: value.name }));
    } else {
      const kind = [value.type, value.in ?? value.scheme].filter((x) => typeof x === 'string').join(' ');
      warnings.push({ pointer: at, message: `security scheme "${id}" (${kind}) cannot be applied by the mcp-server plugin; tools needing it call without it` });
    }
  }
  return out;
}

interface OperationInput {
  doc: OpenApiDocument;
  resolver: SchemaResolver;
  item: Record<string, unknown>;
  itemAt: string;
  op: Record<string, unknown>;
  opAt: string;
  method: HttpMethod;
  path: string;
  name: string;
  serverUrl: string;
  schemes: SecurityScheme[];
  warnings: OpenApiWarning[];
}

function convertOperation(input: OperationInput): ConvertedOperation {
  const { resolver, op, opAt, method, path, name } = input;
  const args = parameterArgs(input);
  const taken = new Set(args.map((a) => a.name));
  const headers: { key: string; value: string }[] = [];
  let body: string | undefined;
  let bodyMediaType: string | undefined;

  if (op.requestBody !== undefined) {
    const { value: rb, at: rbAt } = resolver.deref(op.requestBody, childPointer(opAt, 'requestBody'));
    const content = isObject(rb) && isObject(rb.content) ? rb.content : {};
    const media = pickMediaType(Object.keys(content));
    if (media) {
      bodyMediaType = media;
      headers.push({ key: 'Content-Type', value: media });
      const mediaAt = childPointer(rbAt, 'content', media);
      const mediaObj = content[media];
      const schema =
        isObject(mediaObj) && mediaObj.schema !== undefined ? resolver.simplify(mediaObj.schema, childPointer(mediaAt, 'schema')) : { type: 'string' };
      const required = isObject(rb) && rb.required === true;
      const description = isObject(rb) && typeof rb.description === 'string' ? rb.description : (schema.description ?? 'Request body');
      const structured = JSON_MEDIA.test(media) || FORM_MEDIA.test(media);
      const props = schema.properties ?? {};
      const collision = Object.keys(props).find((p) => taken.has(p));
      if (structured && primaryType(schema) === 'object' && Object.keys(props).length > 0 && !collision) {
        // Each property becomes a `position: body` arg; the plugin re-assembles them as JSON, or as a form
        // when the Content-Type header says so (rest_server.go, "body args but no explicit body handling").
        const req = new Set(schema.required ?? []);
        for (const [prop, ps] of Object.entries(props)) args.push(toArg(prop, ps, ps.description ?? '', req.has(prop) && required, 'body'));
      } else {
        // Arrays, scalars, free-form objects and non-JSON media go through whole as one arg rendered by a
        // body template (what openapi-to-mcpserver does for array bodies: `{{.args.items}}`).
        const argName = primaryType(schema) === 'array' ? 'items' : 'body';
        if (taken.has(argName)) {
          throw new OpenApiError(
            'ArgNameCollision',
            childPointer(mediaAt, 'schema'),
            `request body arg "${argName}" collides with a parameter of the same name`,
          );
        }
        if (collision)
          input.warnings.push({
            pointer: childPointer(mediaAt, 'schema'),
            message: `body property "${collision}" shares a parameter's name; the body is passed whole as "${argName}"`,
          });
        args.push(toArg(argName, schema, description, required, 'body'));
        body = `{{.args.${argName}}}`;
      }
    }
  }
  args.sort((a, b) => byCodeUnit(a.name, b.name));

  const security = securityOf(input);
  const { prependBody, outputSchema } = responseOf(input);
  const tool: RestTool = {
    name,
    description: describeOperation(op, method, path),
    args,
    requestTemplate: {
      url: input.serverUrl + path,
      method: method.toUpperCase() as RestTool['requestTemplate']['method'],
      ...(headers.length ? { headers } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(security ? { security } : {}),
    },
    ...(prependBody ? { responseTemplate: { prependBody } } : {}),
    ...(outputSchema ? { outputSchema } : {}),
  };
  return { operationId: op.operationId as string, method, path, pointer: opAt, tool, ...(bodyMediaType ? { bodyMediaType } : {}) };
}

/** Path-level parameters overridden by operation-level ones with the same name and location. */
function parameterArgs(input: OperationInput): RestToolArg[] {
  const { resolver, item, itemAt, op, opAt } = input;
  const byKey = new Map<string, RestToolArg>();
  const collect = (list: unknown, at: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const { value: p, at: pAt } = resolver.deref(raw, childPointer(at, i));
      if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string') {
        throw new OpenApiError('InvalidDocument', pAt, 'parameter needs a name and an "in"');
      }
      if (!['query', 'path', 'header', 'cookie'].includes(p.in))
        throw new OpenApiError('InvalidDocument', childPointer(pAt, 'in'), `unknown parameter location "${p.in}"`);
      let schema: JsonSchema = { type: 'string' };
      if (p.schema !== undefined) schema = resolver.simplify(p.schema, childPointer(pAt, 'schema'));
      else if (isObject(p.content)) {
        const media = Object.keys(p.content)[0];
        const m = media ? p.content[media] : undefined;
        if (media && isObject(m) && m.schema !== undefined) schema = resolver.simplify(m.schema, childPointer(pAt, 'content', media, 'schema'));
      }
      const description = typeof p.description === 'string' ? p.description : (schema.description ?? '');
      // Path parameters are always required (OpenAPI 3 §4.8.12.1), whatever the document says.
      const required = p.in === 'path' || p.required === true;
      byKey.set(`${p.in}:${p.name}`, toArg(p.name, schema, description, required, p.in as RestToolArg['position'] & string));
    });
  };
  collect(item.parameters, childPointer(itemAt, 'parameters'));
  collect(op.parameters, childPointer(opAt, 'parameters'));
  const args = [...byKey.values()];
  const names = new Set<string>();
  for (const a of args) {
    // The plugin keys args by name alone (argPositions map); two locations cannot share one.
    if (names.has(a.name)) throw new OpenApiError('ArgNameCollision', childPointer(opAt, 'parameters'), `parameter name "${a.name}" is used in two locations`);
    names.add(a.name);
  }
  return args;
}

function toArg(name: string, schema: JsonSchema, description: string, required: boolean, position: NonNullable<RestToolArg['position']>): RestToolArg {
  const primary = primaryType(schema);
  const type: NonNullable<RestToolArg['type']> = isArgType(primary) ? primary : 'string';
  const arg: RestToolArg = { name, description, type, position };
  if (required) arg.required = true;
  if (schema.default !== undefined) arg.default = schema.default;
  if (schema.enum?.length) arg.enum = schema.enum.filter((e) => e !== null);
  if (type === 'array' && schema.items) arg.items = { ...schema.items };
  if (type === 'object' && schema.properties) arg.properties = { ...schema.properties };
  return arg;
}

const isArgType = (t: string): t is NonNullable<RestToolArg['type']> => (ARG_TYPES as readonly string[]).includes(t);

/** JSON first (the plugin builds JSON from args), then form, then whatever the document lists first. */
function pickMediaType(types: string[]): string | undefined {
  return types.find((t) => JSON_MEDIA.test(t)) ?? types.find((t) => FORM_MEDIA.test(t)) ?? types[0];
}

/** The first requirement naming a scheme the plugin can apply (operation-level `security` overrides the document's). */
function securityOf(input: OperationInput): SecurityRequirement | undefined {
  const reqs = Array.isArray(input.op.security) ? input.op.security : Array.isArray(input.doc.security) ? input.doc.security : [];
  const usable = new Set(input.schemes.map((s) => s.id));
  for (const req of reqs) {
    if (!isObject(req)) continue;
    const id = Object.keys(req).find((k) => usable.has(k));
    if (id) return { id };
  }
  return undefined;
}

function describeOperation(op: Record<string, unknown>, method: HttpMethod, path: string): string {
  const summary = typeof op.summary === 'string' ? op.summary.trim() : '';
  const description = typeof op.description === 'string' ? op.description.trim() : '';
  if (summary && description && summary !== description) return `${summary} - ${description}`;
  return summary || description || `${method.toUpperCase()} ${path}`;
}

/** The first 2xx response with a JSON schema: its Markdown field description and, for objects, the output schema. */
function responseOf(input: OperationInput): { prependBody?: string; outputSchema?: Record<string, unknown> } {
  const { resolver, op, opAt } = input;
  if (!isObject(op.responses)) return {};
  const code = Object.keys(op.responses)
    .filter((c) => /^2(\d\d|XX)$/i.test(c))
    .sort()[0];
  if (!code) return {};
  const { value: resp } = resolver.deref(op.responses[code], childPointer(opAt, 'responses', code));
  if (!isObject(resp) || !isObject(resp.content)) return {};
  const media = Object.keys(resp.content).find((t) => JSON_MEDIA.test(t));
  const m = media ? resp.content[media] : undefined;
  if (!media || !isObject(m) || m.schema === undefined) return {};
  const schema = resolver.simplify(m.schema, childPointer(opAt, 'responses', code, 'content', media, 'schema'));
  const prependBody = describeResponse(schema, media);
  // MCP requires outputSchema to be an object schema; the plugin returns the body as structuredContent.
  if (primaryType(schema) !== 'object' || Array.isArray(schema.type) || !schema.properties) return { ...(prependBody ? { prependBody } : {}) };
  const outputSchema: Record<string, unknown> = { ...schema };
  if (typeof resp.description === 'string' && resp.description) outputSchema.description = resp.description;
  return { ...(prependBody ? { prependBody } : {}), outputSchema };
}
