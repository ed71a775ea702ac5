import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { defaultRagConfig } from '../../../src/rag/config.js';
import { INGEST_TOKEN_HEADER, startRagServer, TOOL_NAMES, type IngestAccess } from '../../../src/rag/server.js';
import { RagService } from '../../../src/rag/service.js';
import { fakeChat, fakeWebSearch, startLoopback, type Loopback } from './loopback.js';

const DOCS = [
  { id: 'vienna', title: 'Vienna', text: 'Vienna is the capital of Austria. The Danube river flows through Vienna. It is known for its coffee houses.' },
  { id: 'danube', title: 'Danube', text: 'The Danube is the second-longest river in Europe. It rises in the Black Forest.' },
  { id: 'banana', title: 'Banana', text: 'A banana is an elongated edible fruit. Bananas grow in the tropics.' },
];

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

describe('RAG MCP server over Streamable HTTP (SDK client)', () => {
  let dir: string;
  let llm: Loopback;
  let web: Loopback;
  let rag: RagService;
  let http: Server;
  let client: Client;
  let baseUrl: string;

  const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    (await client.callTool({ name, arguments: args })) as unknown as ToolResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rag-mcp-'));
    llm = await startLoopback(fakeChat());
    web = await startLoopback(fakeWebSearch());
    rag = await RagService.open(
      defaultRagConfig({
        store: { kind: 'lancedb', path: join(dir, 'db') },
        llm: { baseUrl: `${llm.url}/v1`, model: 'fake-chat' },
        webSearch: { url: `${web.url}/search`, topK: 1 },
        topK: 2,
      }),
    );
    const started = await startRagServer(rag, '127.0.0.1', 0);
    http = started.server;
    baseUrl = started.url;
    client = new Client({ name: 'rag-test', version: '0.0.1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${started.url}/mcp`)));
  });

  afterAll(async () => {
    await client?.close();
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
    await rag?.close();
    await llm?.close();
    await web?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the search, answer and ingest tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('ingests documents and skips a corrupt one with a reason', async () => {
    const r = await call('ingest', { documents: [...DOCS, { title: 'broken', text: 42 }] });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ indexedDocuments: 3, skipped: [{ position: 3, reason: 'InvalidDocument' }] });
  });

  it('searches: ranked passages with scores, source ids and a per-stage trace', async () => {
    const r = await call('search', { query: 'Which river flows through Vienna?' });
    const body = r.structuredContent as { passages: { docId: string; score: number }[]; trace: { stage: string; status: string }[] };
    expect(body.passages[0]?.docId).toBe('vienna');
    expect(typeof body.passages[0]?.score).toBe('number');
    expect(body.trace.map((t) => t.stage)).toEqual(['rewrite', 'retrieve', 'rerank', 'crag', 'compress']);
    expect(body.trace.every((t) => t.status === 'ran')).toBe(true);
  });

  it('answers through the configured chat model and maps citations to source ids', async () => {
    const r = await call('answer', { question: 'Which river flows through Vienna?' });
    const body = r.structuredContent as { answer: string; citations: { marker: number; docId: string }[] };
    expect(body.answer).toContain('[1]');
    expect(body.citations).toEqual([expect.objectContaining({ marker: 1, docId: 'vienna' })]);
    const prompt = JSON.stringify(llm.requests.at(-1)?.body);
    expect(prompt).toContain('Danube river flows through Vienna');
  });

  it('CRAG: an off-topic query is judged Incorrect and answered from web search', async () => {
    const r = await call('search', { query: 'Who composed the Moonlight Sonata in 1801?' });
    const body = r.structuredContent as { crag: { verdict: string }; passages: { origin: string; source: string }[] };
    expect(body.crag.verdict).toBe('incorrect');
    expect(body.passages.map((p) => p.origin)).toEqual(['web']);
    expect(web.requests.at(-1)?.body).toEqual({ query: 'Who composed the Moonlight Sonata in 1801?', topK: 1 });
  });

  it('ingests over the MCP tool only: there is no side-channel HTTP ingest endpoint', async () => {
    const r = await call('ingest', { documents: [{ id: 'graz', title: 'Graz', text: 'Graz is a city in Austria.' }] });
    expect(r.structuredContent).toMatchObject({ indexedDocuments: 1, skipped: [] });
    expect(rag.index.size).toBe(4);
    const res = await fetch(`${baseUrl}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"documents": []}' });
    expect(res.status).toBe(404);
  });
});

describe('who may call ingest (spec.ingest)', () => {
  let rag: RagService;
  beforeAll(async () => {
    rag = await RagService.open(defaultRagConfig({ store: { kind: 'memory' } }));
  });
  afterAll(async () => {
    await rag?.close();
  });

  /** An SDK client on a server with `access`, sending `headers` on every request. */
  async function connect(access: IngestAccess, headers: Record<string, string> = {}): Promise<{ client: Client; close: () => Promise<void> }> {
    const { server, url } = await startRagServer(rag, '127.0.0.1', 0, {}, access);
    const client = new Client({ name: 'rag-ingest-test', version: '0.0.1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
    return {
      client,
      close: async () => {
        await client.close();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }
  const ingest = async (client: Client, id: string) =>
    (await client.callTool({ name: 'ingest', arguments: { documents: [{ id, text: `Document ${id}.` }] } })) as unknown as ToolResult;

  it('offers no ingest tool when it is not enabled, and a call to it fails', async () => {
    const { client, close } = await connect({ enabled: false });
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['answer', 'search']);
      const r = await ingest(client, 'x');
      expect(r.isError).toBe(true);
      expect(rag.index.size).toBe(0);
    } finally {
      await close();
    }
  });

  it('with a token, ingests only for callers that send it in the header', async () => {
    const denied = await connect({ enabled: true, token: 's3cret' }, { [INGEST_TOKEN_HEADER]: 'wrong' });
    try {
      const r = await ingest(denied.client, 'a');
      expect(r.isError).toBe(true);
      expect(JSON.parse(r.content[0]!.text!)).toMatchObject({ reason: 'IngestForbidden' });
      expect(r.content[0]!.text).not.toContain('s3cret');
    } finally {
      await denied.close();
    }
    const allowed = await connect({ enabled: true, token: 's3cret' }, { [INGEST_TOKEN_HEADER]: 's3cret' });
    try {
      expect((await ingest(allowed.client, 'b')).structuredContent).toMatchObject({ indexedDocuments: 1 });
    } finally {
      await allowed.close();
    }
    // A token variable named but empty lets nobody in.
    const unset = await connect({ enabled: true, token: '' }, { [INGEST_TOKEN_HEADER]: '' });
    try {
      expect((await ingest(unset.client, 'c')).isError).toBe(true);
    } finally {
      await unset.close();
    }
    expect(rag.index.size).toBe(1);
  });
});
