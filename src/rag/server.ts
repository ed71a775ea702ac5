import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { generateAnswer } from './answer.js';
import { RAG_CONFIG_VERSION, type RuntimeFacts, type RuntimeHealth } from './config.js';
import { RagError, errorMessage } from './errors.js';
import type { PipelineResult } from './pipeline.js';
import type { RagService } from './service.js';
import { BodyError, bodyErrorStatus, readJson } from '../util/http-body.js';
import { createLogger } from '../util/log.js';
import { tokenMatches } from '../util/token.js';
import { ragSearchOpenApi } from '../agent/rag-openapi.js';

const log = createLogger('rag-server');
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export const TOOL_NAMES = ['search', 'answer', 'ingest'] as const;

/** Header a caller of `ingest` puts the token in, when the pipeline has one. */
export const INGEST_TOKEN_HEADER = 'x-rag-ingest-token';

/**
 * Who may call `ingest`: nobody (`enabled: false`: the tool is not offered), anyone (no token), or callers
 * that send `token` in {@link INGEST_TOKEN_HEADER}.
 */
export interface IngestAccess {
  enabled: boolean;
  token?: string | undefined;
}

/** The access a runtime config asks for, with the token read from its environment variable. */
export function ingestAccess(ingest: { enabled: boolean; tokenEnv?: string | undefined }, env: NodeJS.ProcessEnv = process.env): IngestAccess {
  // A token variable that is named but empty must not read as "no token": nobody gets in then.
  return { enabled: ingest.enabled, ...(ingest.tokenEnv ? { token: env[ingest.tokenEnv] ?? '' } : {}) };
}

function passages(r: PipelineResult): unknown[] {
  return r.context.map((p, i) => ({
    rank: i + 1,
    docId: p.docId,
    chunkId: p.chunkId,
    title: p.title,
    source: p.source,
    origin: p.origin,
    score: Number(p.score.toFixed(6)),
    text: p.sentences.map((s) => s.text).join(' '),
    sentenceIds: p.sentences.map((s) => s.index),
  }));
}

function toolError(err: unknown): { isError: true; content: { type: 'text'; text: string }[] } {
  const reason = err instanceof RagError ? err.reason : 'InternalError';
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ reason, message: errorMessage(err) }) }] };
}

export function buildMcpServer(rag: RagService, ingest: IngestAccess = { enabled: true }): McpServer {
  const server = new McpServer({ name: 'higress-ai-operator-rag', version: '0.1.0' });
  server.registerTool(
    'search',
    {
      description:
        'Retrieve ranked passages for a query (query rewriting, hybrid BM25+dense retrieval with RRF, re-ranking, CRAG, compression). Returns passages with scores, source ids and a per-stage trace.',
      inputSchema: { query: z.string().min(1), topK: z.number().int().positive().max(50).optional() },
    },
    async ({ query, topK }) => {
      try {
        const r = await rag.search(query, topK ? { topK } : {});
        const body = { query, subQueries: r.subQueries, crag: r.crag, passages: passages(r), trace: r.trace };
        return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
      } catch (err) {
        return toolError(err);
      }
    },
  );
  server.registerTool(
    'answer',
    {
      description: 'Retrieve, then answer with an OpenAI-compatible chat model, citing passages as [n] with their source ids.',
      inputSchema: { question: z.string().min(1) },
    },
    async ({ question }) => {
      try {
        const r = await rag.search(question);
        const started = performance.now();
        const a = await generateAnswer(rag.llm, question, r.context);
        const trace = [...r.trace, { stage: 'generate', variant: rag.llm?.model ?? 'none', status: 'ran', ms: performance.now() - started }];
        const body = { question, answer: a.answer, citations: a.citations, passages: passages(r), trace };
        return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
      } catch (err) {
        return toolError(err);
      }
    },
  );
  if (!ingest.enabled) return server;
  server.registerTool(
    'ingest',
    {
      description: `Index documents ({id?, title?, text | sentences[], source?}). Invalid documents are skipped with a reason; re-ingesting an id replaces it.${
        ingest.token !== undefined ? ` Needs the pipeline's ingest token in the ${INGEST_TOKEN_HEADER} header.` : ''
      }`,
      inputSchema: { documents: z.array(z.unknown()).min(1) },
    },
    async ({ documents }, extra) => {
      try {
        if (ingest.token !== undefined && !tokenMatches(ingest.token, extra.requestInfo?.headers[INGEST_TOKEN_HEADER])) {
          throw new RagError('IngestForbidden', `ingest needs the pipeline's ingest token in the ${INGEST_TOKEN_HEADER} header`);
        }
        const report = await rag.ingest(documents);
        return { content: [{ type: 'text', text: JSON.stringify(report) }], structuredContent: { ...report } };
      } catch (err) {
        return toolError(err);
      }
    },
  );
  return server;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// Stateless Streamable HTTP: a fresh McpServer + transport per request (the SDK's stateless
// pattern), so replicas behind the gateway need no session affinity.
async function handle(rag: RagService, req: IncomingMessage, res: ServerResponse, facts: RuntimeFacts, ingest: IngestAccess): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    const health: RuntimeHealth = {
      version: RAG_CONFIG_VERSION,
      ok: true,
      chunks: rag.index.size,
      ...facts,
      embedder: rag.embedder.name,
      ...(rag.degraded ? { degraded: rag.degraded } : {}),
    };
    sendJson(res, 200, health);
    return;
  }
  // REST twin of the MCP `search` tool, described at /openapi.json, for callers that speak only OpenAPI
  // (the gateway's ai-agent plugin; see src/agent/rag-openapi.ts).
  if (url.pathname === '/openapi.json' && req.method === 'GET') {
    sendJson(res, 200, ragSearchOpenApi(`http://${req.headers.host ?? 'localhost'}`));
    return;
  }
  if (url.pathname === '/search' && req.method === 'POST') {
    const body = (await readJson(req, MAX_BODY_BYTES)) as { query?: unknown; topK?: unknown } | undefined;
    if (typeof body?.query !== 'string' || body.query === '') {
      sendJson(res, 400, { reason: 'InvalidQuery', message: 'body must be {"query": "...", "topK"?: n}' });
      return;
    }
    const topK = typeof body.topK === 'number' && Number.isInteger(body.topK) && body.topK > 0 ? Math.min(body.topK, 50) : undefined;
    const r = await rag.search(body.query, topK ? { topK } : {});
    sendJson(res, 200, { query: body.query, passages: passages(r) });
    return;
  }
  if (url.pathname === '/mcp') {
    if (req.method !== 'POST') {
      sendJson(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed (stateless server)' }, id: null });
      return;
    }
    const body = await readJson(req, MAX_BODY_BYTES);
    const server = buildMcpServer(rag, ingest);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    return;
  }
  sendJson(res, 404, { reason: 'NotFound', message: `no route ${url.pathname}` });
}

export async function startRagServer(
  rag: RagService,
  host: string,
  port: number,
  facts: RuntimeFacts = {},
  ingest: IngestAccess = { enabled: true },
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handle(rag, req, res, facts, ingest).catch((err: unknown) => {
      log.error({ err: errorMessage(err) }, 'request failed');
      const reason = err instanceof RagError || err instanceof BodyError ? err.reason : 'InternalError';
      const status = err instanceof BodyError ? bodyErrorStatus(err) : reason === 'InternalError' ? 500 : 400;
      if (!res.headersSent) sendJson(res, status, { reason, message: errorMessage(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}` };
}
