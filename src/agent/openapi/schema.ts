import { OpenApiError, type OpenApiWarning } from './errors.js';
import { isObject, type OpenApiDocument } from './load.js';
import { childPointer, parseLocalPointer, valueAt } from './pointer.js';

/**
 * The JSON Schema subset the mcp-server plugin carries for args (`type`, `description`, `enum`, `default`,
 * `items`, `properties`, `required`; see RestToolArg in higress-group/wasm-go pkg/mcp/server/rest_server.go)
 * and that MCP clients read from `outputSchema`. No `$ref` survives: the plugin never resolves one.
 */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const MAX_DEPTH = 12;
/** $refs expanded inside one another before the rest are summarised (keeps configs well under etcd's 1.5 MB). */
const MAX_REF_NESTING = 2;
const PRIMITIVE = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

/** The first non-null type of a schema (what a plugin arg's single `type` can hold). */
export function primaryType(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  return t ?? (s.properties ? 'object' : s.items ? 'array' : 'string');
}

/** Resolves local `$ref`s (nested, chained, circular-safe) and flattens `allOf`/`oneOf`/`anyOf`. */
export class SchemaResolver {
  constructor(
    private readonly doc: OpenApiDocument,
    private readonly warnings: OpenApiWarning[],
  ) {}

  /**
   * Follow a `$ref` chain starting at `node` (found at pointer `at`). Returns the target and its pointer.
   * A ref that is external, malformed, dangling or part of a pure ref→ref cycle is an error naming the
   * pointer of the `$ref` field itself.
   */
  deref(node: unknown, at: string): { value: unknown; at: string } {
    const seen = new Set<string>();
    let cur = node;
    let curAt = at;
    while (isObject(cur) && typeof cur.$ref === 'string') {
      const ref = cur.$ref;
      const refAt = childPointer(curAt, '$ref');
      const tokens = parseLocalPointer(ref);
      if (!tokens) throw new OpenApiError('BadRef', refAt, `only local $refs ("#/…") are supported, got "${ref}"`);
      if (seen.has(ref)) throw new OpenApiError('BadRef', refAt, `$ref "${ref}" is a cycle of references with no schema in between`);
      seen.add(ref);
      const target = valueAt(this.doc, tokens);
      if (target === undefined) throw new OpenApiError('BadRef', refAt, `$ref "${ref}" points at nothing in this document`);
      cur = target;
      curAt = ref;
    }
    return { value: cur, at: curAt };
  }

  /** A self-contained JSON Schema for the (possibly `$ref`) schema at `at`. */
  simplify(node: unknown, at: string, stack: readonly string[] = [], depth = 0): JsonSchema {
    if (isObject(node) && typeof node.$ref === 'string') {
      const { value, at: targetAt } = this.deref(node, at);
      if (stack.includes(targetAt)) {
        // Recursive structures (a tree node holding children of its own type) stop here, typed but open.
        return { type: 'object', description: `recursive reference to ${targetAt}` };
      }
      if (stack.length >= MAX_REF_NESTING && isObject(value)) {
        // Deep $ref graphs (Kratos: 1 MB of expanded schema) would not fit a WasmPlugin rule; past this
        // depth a referenced schema is named, typed and left open.
        const t = this.typeOf(value, targetAt) ?? (isObject(value.properties) ? 'object' : undefined);
        const d = typeof value.description === 'string' ? value.description : undefined;
        return { ...(t !== undefined ? { type: t } : {}), description: d ? `${d} (${targetAt})` : `see ${targetAt}` };
      }
      const resolved = this.simplify(value, targetAt, [...stack, targetAt], depth + 1);
      // OpenAPI 3.1 allows a description beside $ref; it describes this use, so it wins.
      return typeof node.description === 'string' ? { ...resolved, description: node.description } : resolved;
    }
    if (!isObject(node)) return {};
    if (depth > MAX_DEPTH) return { type: 'object', description: 'nested too deeply to describe' };
    let out: JsonSchema = {};

    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
      const parts = node[key];
      if (!Array.isArray(parts)) continue;
      const simplified = parts.map((p, i) => this.simplify(p, childPointer(at, key, i), stack, depth + 1));
      out = key === 'allOf' ? simplified.reduce(mergeAll, out) : mergeAll(out, mergeAlternatives(simplified));
    }

    const type = this.typeOf(node, at);
    if (type !== undefined) out.type = type;
    const description = typeof node.description === 'string' ? node.description : typeof node.title === 'string' ? node.title : undefined;
    if (description) out.description = description;
    if (Array.isArray(node.enum)) out.enum = [...(node.enum as unknown[])];
    else if (node.const !== undefined) out.enum = [node.const];
    if (node.default !== undefined) out.default = node.default;
    if (node.items !== undefined && !Array.isArray(node.items)) out.items = this.simplify(node.items, childPointer(at, 'items'), stack, depth + 1);
    if (isObject(node.properties)) {
      const props: Record<string, JsonSchema> = { ...(out.properties ?? {}) };
      for (const name of Object.keys(node.properties).sort()) {
        props[name] = this.simplify(node.properties[name], childPointer(at, 'properties', name), stack, depth + 1);
      }
      out.properties = props;
    }
    if (Array.isArray(node.required)) {
      out.required = [...new Set([...(out.required ?? []), ...node.required.filter((r): r is string => typeof r === 'string')])];
    }
    if (out.type === undefined) {
      if (out.properties) out.type = 'object';
      else if (out.items) out.type = 'array';
    }
    return out;
  }

  private typeOf(node: Record<string, unknown>, at: string): string | string[] | undefined {
    const raw = node.type;
    const types = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((t): t is string => typeof t === 'string');
    for (const t of types) {
      if (!PRIMITIVE.has(t)) this.warnings.push({ pointer: childPointer(at, 'type'), message: `unknown type "${t}" treated as string` });
    }
    const known = types.map((t) => (PRIMITIVE.has(t) ? t : 'string'));
    // OpenAPI 3.0 spells "may be null" as nullable: true; JSON Schema (3.1, MCP) as a type list.
    if (node.nullable === true && known.length === 1 && known[0] !== 'null') known.push('null');
    if (known.length === 0) return undefined;
    return known.length === 1 ? known[0] : [...new Set(known)];
  }
}

/** allOf: every part holds, so properties and required lists add up; the first type/description wins. */
function mergeAll(a: JsonSchema, b: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...b, ...a };
  if (a.properties || b.properties) out.properties = { ...(b.properties ?? {}), ...(a.properties ?? {}) };
  if (a.required || b.required) out.required = [...new Set([...(a.required ?? []), ...(b.required ?? [])])];
  if (!out.type && out.properties) out.type = 'object';
  return out;
}

/**
 * oneOf/anyOf: a tool arg holds one schema, so alternatives are folded — object alternatives into one
 * object whose properties are all optional, otherwise the first non-null alternative (nullable kept).
 */
function mergeAlternatives(parts: JsonSchema[]): JsonSchema {
  const nonNull = parts.filter((p) => p.type !== 'null');
  const nullable = nonNull.length < parts.length;
  if (nonNull.length === 0) return { type: 'null' };
  if (nonNull.every((p) => primaryType(p) === 'object')) {
    const properties = Object.assign({}, ...nonNull.map((p) => p.properties ?? {})) as Record<string, JsonSchema>;
    return { type: nullable ? ['object', 'null'] : 'object', ...(Object.keys(properties).length ? { properties } : {}) };
  }
  const first = { ...nonNull[0]! };
  if (nullable) first.type = [primaryType(first), 'null'];
  return first;
}
