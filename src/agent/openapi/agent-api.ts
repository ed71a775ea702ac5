import { stringify } from 'yaml';
import type { RestToolArg } from '../mcp-config.js';
import type { ConvertedOperation } from './convert.js';

/**
 * The OpenAPI text the ai-agent plugin reads for its tools (`apis[].api`). Its parser is a plain YAML
 * unmarshal into fixed structs (plugins/wasm-go/extensions/ai-agent/config.go: API, PathItem, Parameter,
 * RequestBody → `content["application/json"].schema` with flat `properties`), it never follows `$ref`, and
 * main.go only calls GET (args as query/path) and POST (args as a JSON body). So the agent gets a document
 * rebuilt from the converted tools: dereferenced, flat, GET/POST only. Operations it cannot call are
 * returned so the status can say which.
 */
export interface AgentApi {
  /** YAML for `apis[].api`; undefined when no operation is callable by the agent. */
  yaml?: string;
  included: string[];
  excluded: { operationId: string; why: string }[];
}

export function buildAgentApi(title: string, serverUrl: string, operations: readonly ConvertedOperation[]): AgentApi {
  const paths: Record<string, Record<string, unknown>> = {};
  const included: string[] = [];
  const excluded: AgentApi['excluded'] = [];
  for (const op of operations) {
    const args = op.tool.args;
    const why =
      op.method !== 'get' && op.method !== 'post'
        ? `ai-agent calls only GET and POST, not ${op.method.toUpperCase()}`
        : args.some((a) => a.position === 'header' || a.position === 'cookie')
          ? 'ai-agent cannot send header or cookie parameters'
          : op.method === 'post' && args.some((a) => a.position === 'query')
            ? 'ai-agent sends POST arguments only as a JSON body'
            : op.bodyMediaType && !/json/i.test(op.bodyMediaType)
              ? `ai-agent sends JSON bodies only, not ${op.bodyMediaType}`
              : op.tool.requestTemplate.body !== undefined
                ? 'ai-agent cannot send a whole-body argument'
                : undefined;
    if (why) {
      excluded.push({ operationId: op.operationId, why });
      continue;
    }
    included.push(op.operationId);
    const entry: Record<string, unknown> = { operationId: op.tool.name, summary: op.tool.description, description: op.tool.description };
    if (op.method === 'get') {
      entry.parameters = args.map((a) => ({
        name: a.name,
        in: a.position ?? 'query',
        description: a.description,
        required: a.required ?? false,
        schema: {
          type: a.type ?? 'string',
          ...(a.enum ? { enum: a.enum.map(String) } : {}),
          ...(a.default !== undefined ? { default: typeof a.default === 'string' ? a.default : JSON.stringify(a.default) } : {}),
        },
      }));
    } else {
      entry.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: args.filter((a) => a.required).map((a) => a.name),
              properties: Object.fromEntries(args.map((a) => [a.name, property(a)])),
            },
          },
        },
      };
    }
    (paths[op.path] ??= {})[op.method] = entry;
  }
  if (included.length === 0) return { included, excluded };
  const doc = { openapi: '3.0.1', info: { title, version: '1.0.0' }, servers: [{ url: serverUrl }], paths };
  return { yaml: stringify(doc, { lineWidth: 0 }), included, excluded };
}

function property(a: RestToolArg): Record<string, unknown> {
  const items = a.items && typeof a.items.type === 'string' ? { items: { type: a.items.type } } : {};
  return { description: a.description, type: a.type ?? 'string', ...(a.enum ? { enum: a.enum.map(String) } : {}), ...items };
}
