import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { convertOpenApi, parseOpenApiText } from '../../../src/agent/openapi/index.js';
import { startMcpGateway, type McpGateway } from './support/mcp-gateway.js';

/**
 * The conversion proven by calling: the real Petstore document is converted, the generated config is
 * executed by a test server that applies templates as the mcp-server plugin does, and the official MCP SDK
 * client lists and calls the tools against a loopback Petstore REST API that checks every request.
 */
const FIXTURE = join(import.meta.dirname ?? process.cwd(), '../../fixtures/openapi/petstore.yaml');
const API_KEY = 'k-123';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

function startPetstore(): Promise<{ server: Server; base: string; seen: Seen[] }> {
  const pets = new Map<number, Record<string, unknown>>([
    [7, { id: 7, name: 'Rex', photoUrls: ['r.png'], status: 'available', tags: [{ id: 1, name: 'dog' }] }],
  ]);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const m = /^\/api\/v3\/pet\/(\d+)$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        if (req.headers.api_key !== API_KEY) return send(401, { message: 'api_key required' });
        const pet = pets.get(Number(m[1]));
        return pet ? send(200, pet) : send(404, { message: 'Pet not found' });
      }
      if (m && req.method === 'DELETE') {
        pets.delete(Number(m[1]));
        res.writeHead(200);
        return res.end();
      }
      if (m && req.method === 'POST') {
        const pet = pets.get(Number(m[1]))!;
        Object.assign(
          pet,
          url.searchParams.get('name') ? { name: url.searchParams.get('name') } : {},
          url.searchParams.get('status') ? { status: url.searchParams.get('status') } : {},
        );
        return send(200, pet);
      }
      if (url.pathname === '/api/v3/pet' && req.method === 'POST') {
        const pet = JSON.parse(body) as Record<string, unknown>;
        pets.set(Number(pet.id), pet);
        return send(200, pet);
      }
      if (url.pathname === '/api/v3/pet/findByStatus' && req.method === 'GET') {
        return send(
          200,
          [...pets.values()].filter((p) => p.status === url.searchParams.get('status')),
        );
      }
      const user = /^\/api\/v3\/user\/([^/]+)$/.exec(url.pathname);
      if (user && req.method === 'PUT') return send(200, JSON.parse(body));
      send(404, { message: `no route ${req.method} ${url.pathname}` });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`, seen })),
  );
}

describe('generated Petstore tools, called through an MCP client', () => {
  let api: Awaited<ReturnType<typeof startPetstore>>;
  let gateway: McpGateway;
  let client: Client;

  beforeAll(async () => {
    api = await startPetstore();
    const doc = parseOpenApiText(readFileSync(FIXTURE, 'utf8'));
    const { config } = convertOpenApi(doc, { serverName: 'petstore', baseUrl: api.base, credentials: { api_key: API_KEY } });
    gateway = await startMcpGateway(config);
    client = new Client({ name: 'agentproduct-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await new Promise<void>((resolve) => api?.server.close(() => resolve()));
  });

  const text = (r: Awaited<ReturnType<Client['callTool']>>) => (r.content as { type: string; text: string }[])[0]!.text;

  it('lists one tool per operation with typed, positioned input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(19);
    const find = tools.find((t) => t.name === 'findPetsByStatus')!;
    expect(find.inputSchema).toMatchObject({
      type: 'object',
      properties: { status: { type: 'string', enum: ['available', 'pending', 'sold'], default: 'available' } },
    });
    expect(tools.find((t) => t.name === 'getPetById')!.inputSchema.required).toEqual(['petId']);
    expect(tools.find((t) => t.name === 'getPetById')!.outputSchema).toMatchObject({ type: 'object' });
  });

  it('path arg + apiKey header security; structured content validated against the output schema', async () => {
    const r = await client.callTool({ name: 'getPetById', arguments: { petId: 7 } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ id: 7, name: 'Rex' });
    expect(text(r)).toContain('# API Response Information');
    expect(text(r)).toContain('"name":"Rex"');
    const last = api.seen.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', path: '/api/v3/pet/7' });
    expect(last.headers.api_key).toBe(API_KEY);
  });

  it('query arg with its default applied', async () => {
    const r = await client.callTool({ name: 'findPetsByStatus', arguments: {} });
    expect(api.seen.at(-1)).toMatchObject({ method: 'GET', path: '/api/v3/pet/findByStatus', query: { status: 'available' } });
    expect(text(r)).toContain('"name":"Rex"');
  });

  it('body args reassembled as a JSON body with nested objects and arrays', async () => {
    const pet = { id: 9, name: 'Tom', photoUrls: ['t.png'], category: { id: 2, name: 'cats' }, tags: [{ id: 3, name: 'cat' }], status: 'pending' };
    const r = await client.callTool({ name: 'addPet', arguments: pet });
    expect(r.isError).toBeFalsy();
    const last = api.seen.at(-1)!;
    expect(last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last.body)).toEqual(pet);
  });

  it('header arg and path arg on DELETE', async () => {
    await client.callTool({ name: 'deletePet', arguments: { petId: 9, api_key: 'from-arg' } });
    const last = api.seen.at(-1)!;
    expect(last).toMatchObject({ method: 'DELETE', path: '/api/v3/pet/9' });
    // deletePet requires only petstore_auth (oauth2, which the plugin cannot apply): the header arg goes as given.
    expect(last.headers.api_key).toBe('from-arg');
  });

  it('a body whose property shares a path parameter name goes whole through the body template', async () => {
    const user = { id: 1, username: 'ann', email: 'a@x' };
    await client.callTool({ name: 'updateUser', arguments: { username: 'ann', body: user } });
    const last = api.seen.at(-1)!;
    expect(last).toMatchObject({ method: 'PUT', path: '/api/v3/user/ann' });
    expect(JSON.parse(last.body)).toEqual(user);
  });

  it('an upstream error becomes an MCP tool error with the status and body', async () => {
    const r = await client.callTool({ name: 'getPetById', arguments: { petId: 404 } });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('call failed, status: 404, response: {"message":"Pet not found"}');
  });
});
