/**
 * The Markdown shown on a product's portal page when `spec.publish.documentation` is empty: what the
 * product is, a worked `curl`, and a client snippet (OpenAI SDK for model APIs, MCP SDK for tool servers)
 * built from what the owner actually serves (its model list or discovered tools).
 */

export interface DocumentationInput {
  productName: string;
  type: 'MODEL_API' | 'MCP_SERVER';
  description?: string | undefined;
  /** Where developers reach the gateway, e.g. https://gw.example.com; a placeholder when unknown. */
  gatewayUrl?: string | undefined;
  /** Path below the gateway URL the OpenAI-compatible API sits at (an agent endpoint); default the root. */
  basePath?: string | undefined;
  /** Model names clients may send (MODEL_API). */
  models?: readonly string[];
  /** Tools of the MCP server (MCP_SERVER). */
  tools?: ReadonlyArray<{ name: string; description?: string | undefined }>;
  /** MCP server name (path `/mcp-servers/<name>` on Higress, himarket.md §4.3). */
  mcpServerName?: string | undefined;
}

const GATEWAY_PLACEHOLDER = 'https://<higress-gateway>';

export function generateDocumentation(input: DocumentationInput): string {
  const gw = (input.gatewayUrl ?? GATEWAY_PLACEHOLDER).replace(/\/+$/, '');
  const lines = [`# ${input.productName}`, ''];
  if (input.description) lines.push(input.description, '');
  lines.push('Subscribe to this product in the portal to get an API key, then send it as `Authorization: Bearer <api-key>`.', '');
  return (input.type === 'MODEL_API' ? modelApiDoc(lines, gw, input) : mcpDoc(lines, gw, input)).join('\n');
}

function modelApiDoc(lines: string[], root: string, input: DocumentationInput): string[] {
  const gw = `${root}${(input.basePath ?? '').replace(/\/+$/, '')}`;
  const models = input.models?.length ? input.models : ['<model>'];
  lines.push('## Models', '', ...models.map((m) => `- \`${m}\``), '');
  lines.push(
    '## Try it',
    '',
    '```sh',
    `curl -sS ${gw}/v1/chat/completions \\`,
    "  -H 'Authorization: Bearer <api-key>' -H 'Content-Type: application/json' \\",
    `  -d '${JSON.stringify({ model: models[0], messages: [{ role: 'user', content: 'Hello!' }] })}'`,
    '```',
    '',
    '## OpenAI SDK',
    '',
    '```ts',
    "import OpenAI from 'openai';",
    `const client = new OpenAI({ baseURL: '${gw}/v1', apiKey: process.env.API_KEY });`,
    `const reply = await client.chat.completions.create({ model: '${models[0]}', messages: [{ role: 'user', content: 'Hello!' }] });`,
    'console.log(reply.choices[0].message.content);',
    '```',
    '',
  );
  return lines;
}

function mcpDoc(lines: string[], gw: string, input: DocumentationInput): string[] {
  const url = `${gw}/mcp-servers/${input.mcpServerName ?? input.productName}`;
  const tools = input.tools ?? [];
  if (tools.length) lines.push('## Tools', '', ...tools.map((t) => `- \`${t.name}\`${t.description ? ` — ${t.description}` : ''}`), '');
  const first = tools[0]?.name ?? '<tool>';
  lines.push(
    '## Try it',
    '',
    '```sh',
    `curl -sS ${url} \\`,
    "  -H 'Authorization: Bearer <api-key>' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\",
    `  -d '${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })}'`,
    '```',
    '',
    '## MCP client',
    '',
    '```ts',
    "import { Client } from '@modelcontextprotocol/sdk/client/index.js';",
    "import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';",
    `const transport = new StreamableHTTPClientTransport(new URL('${url}'), {`,
    '  requestInit: { headers: { Authorization: `Bearer ${process.env.API_KEY}` } },',
    '});',
    "const client = new Client({ name: 'my-app', version: '1.0.0' });",
    'await client.connect(transport);',
    `const result = await client.callTool({ name: '${first}', arguments: {} });`,
    '```',
    '',
  );
  return lines;
}
