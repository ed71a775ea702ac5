import { parse as parseYaml } from 'yaml';
import { OpenApiError } from './errors.js';

/** An OpenAPI 3.0/3.1 document as parsed JSON; fields are read defensively, never trusted. */
export type OpenApiDocument = Record<string, unknown> & { openapi: string; paths: Record<string, unknown> };

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parse JSON or YAML text into an OpenAPI 3.0/3.1 document. JSON is tried first when the text looks like
 * JSON so its error messages (with positions) are the ones shown; YAML is a superset otherwise.
 */
export function parseOpenApiText(text: string): OpenApiDocument {
  let value: unknown;
  const trimmed = text.trimStart();
  try {
    value = trimmed.startsWith('{') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new OpenApiError('InvalidDocument', '#', `not valid ${trimmed.startsWith('{') ? 'JSON' : 'YAML'}: ${msg}`);
  }
  return checkOpenApiDocument(value);
}

/** Check the top-level shape: an object with `openapi: 3.0.x|3.1.x` and a `paths` object. */
export function checkOpenApiDocument(value: unknown): OpenApiDocument {
  if (!isObject(value)) throw new OpenApiError('InvalidDocument', '#', 'document must be an object');
  if (typeof value.swagger === 'string') {
    throw new OpenApiError('UnsupportedVersion', '#/swagger', `Swagger ${value.swagger} is not supported; convert it to OpenAPI 3.0 or 3.1 first`);
  }
  if (typeof value.openapi !== 'string') throw new OpenApiError('InvalidDocument', '#/openapi', 'missing the openapi version field');
  if (!/^3\.(0|1)(\.\d+)?(-.+)?$/.test(value.openapi)) {
    throw new OpenApiError('UnsupportedVersion', '#/openapi', `version ${value.openapi} is not supported (3.0.x or 3.1.x)`);
  }
  if (!isObject(value.paths)) throw new OpenApiError('InvalidDocument', '#/paths', 'paths must be an object');
  return value as OpenApiDocument;
}
