import { primaryType, type JsonSchema } from './schema.js';

/**
 * The Markdown `responseTemplate.prependBody` openapi-to-mcpserver writes (createResponseTemplate in
 * pkg/converter/converter.go): a header, one bullet per response field with its type, nested fields indented
 * with dotted paths (`items[].name`), then "## Original Response" and the raw body the plugin appends.
 */
const MAX_DEPTH = 10;

export function describeResponse(schema: JsonSchema, mediaType: string): string | undefined {
  const lines: string[] = [];
  const type = primaryType(schema);
  if (type === 'array' && schema.items) {
    lines.push('- **items**: Array of items (Type: array)');
    fields(schema.items, 'items', 1, lines, true);
  } else if (type === 'object' && schema.properties && Object.keys(schema.properties).length) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      lines.push(`- **${name}**: ${oneLine(prop.description)}${typeSuffix(prop)}`);
      fields(prop, name, 1, lines, false);
    }
  } else {
    return undefined;
  }
  return [
    '# API Response Information',
    '',
    "Below is the response from an API call. To help you understand the data, I've provided:",
    '',
    '1. A detailed description of all fields in the response structure',
    '2. The complete API response',
    '',
    '## Response Structure',
    '',
    `> Content-Type: ${mediaType}`,
    '',
    ...lines,
    '',
    '## Original Response',
    '',
    '',
  ].join('\n');
}

function fields(schema: JsonSchema, path: string, depth: number, lines: string[], arrayItem: boolean): void {
  if (depth > MAX_DEPTH) return;
  const indent = '  '.repeat(depth);
  const type = primaryType(schema);
  if (type === 'array' && schema.items && !arrayItem) {
    const item = schema.items;
    if (primaryType(item) === 'object' && item.properties) {
      for (const [name, prop] of Object.entries(item.properties)) {
        const p = `${path}[].${name}`;
        lines.push(`${indent}- **${p}**: ${oneLine(prop.description)}${typeSuffix(prop)}`);
        fields(prop, p, depth + 1, lines, false);
      }
    } else {
      lines.push(`${indent}- **${path}[]**: Items of type ${primaryType(item)}`);
    }
    return;
  }
  if (type === 'object' && schema.properties) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      const p = arrayItem ? `${path}[].${name}` : `${path}.${name}`;
      lines.push(`${indent}- **${p}**: ${oneLine(prop.description)}${typeSuffix(prop)}`);
      fields(prop, p, depth + 1, lines, false);
    }
  }
}

const typeSuffix = (s: JsonSchema) => (s.type ? ` (Type: ${primaryType(s)})` : '');
const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
