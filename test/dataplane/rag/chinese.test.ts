/**
 * @jest-environment ./test/dataplane/cache/onnx-environment.cjs
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { defaultRagConfig, type RagConfig } from '../../../src/rag/config.js';
import { startRagServer } from '../../../src/rag/server.js';
import { RagService } from '../../../src/rag/service.js';
import { fakeWebSearch, startLoopback, type Loopback } from './loopback.js';

// Chinese documents through the RAG MCP server (official SDK client): with the Chinese encoder
// (bge-small-zh-v1.5, what a RagPipeline's `embedding.type: encoder` mounts) the dense side finds the passage for a
// question that shares no word with it, which the lexical side (character pairs) cannot.

const DOCS = [
  { id: 'refund', title: '退货政策', text: '收到商品后七天内可以申请退货。退款会在三个工作日内原路返回。' },
  { id: 'address', title: '收货地址', text: '下单后仍可修改收货地址。发货以后地址就不能再改了。' },
  { id: 'invoice', title: '发票', text: '电子发票会在订单完成后发送到你的邮箱。如需纸质发票请联系客服。' },
  { id: 'shipping', title: '配送', text: '普通快递一般两到四天送达。偏远地区可能需要更长时间。' },
];
// No character pair in common with the refund passage: 钱 / 退回来 against 退款 / 原路返回.
const PARAPHRASE = '钱什么时候退回来？';

interface Running {
  rag: RagService;
  http: Server;
  client: Client;
}
const running: Running[] = [];

let web: Loopback;

async function serve(
  embedding: RagConfig['embedding'],
  withWeb = false,
): Promise<(tool: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>> {
  const rag = await RagService.open(defaultRagConfig({ topK: 2, embedding, ...(withWeb ? { webSearch: { url: `${web.url}/search`, topK: 1 } } : {}) }));
  const { server, url } = await startRagServer(rag, '127.0.0.1', 0);
  const client = new Client({ name: 'rag-zh-test', version: '0.0.1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  running.push({ rag, http: server, client });
  return async (tool, args) => ((await client.callTool({ name: tool, arguments: args })) as { structuredContent: Record<string, unknown> }).structuredContent;
}

const top = (r: Record<string, unknown>) => (r.passages as { docId: string }[])[0]?.docId;

let zhDir = '';
beforeAll(async () => {
  web = await startLoopback(fakeWebSearch());
  zhDir = execFileSync('bash', [new URL('../../../hack/ensure-embedding-model.sh', import.meta.url).pathname, '--model', 'bge-small-zh', '--print-dir'], {
    encoding: 'utf8',
  }).trim();
});

afterAll(async () => {
  for (const r of running) {
    await r.client.close();
    await new Promise<void>((done) => r.http.close(() => done()));
    await r.rag.close();
  }
  await web?.close();
});

describe('RAG server over Chinese documents', () => {
  it('finds the answer to a question sharing no word with it, with the Chinese encoder', async () => {
    const call = await serve({ kind: 'onnx', modelDir: zhDir });
    expect(await call('ingest', { documents: DOCS })).toMatchObject({ indexedDocuments: 4, skipped: [] });
    expect(top(await call('search', { query: PARAPHRASE }))).toBe('refund');
    expect(top(await call('search', { query: '快递几天能到？' }))).toBe('shipping');
  });

  it('keeps what it found by meaning only beside the web results, though CRAG, which reads words, scores it 0', async () => {
    const call = await serve({ kind: 'onnx', modelDir: zhDir }, true);
    await call('ingest', { documents: DOCS });
    const r = await call('search', { query: PARAPHRASE });
    expect(r.crag).toMatchObject({ score: 0, verdict: 'ambiguous' });
    // The refund passage (0.60 by meaning) stays, whole: compression has no words to choose its sentences by. The
    // address passage (0.43) goes, as passages without evidence do.
    const passages = r.passages as { docId: string; origin: string; sentenceIds: number[] }[];
    expect(passages.map((p) => p.origin).sort()).toEqual(['index', 'web']);
    const refund = passages.find((p) => p.origin === 'index');
    expect(refund?.docId).toBe('refund');
    expect(refund?.sentenceIds).toEqual([0, 1]);
    // A question about something the documents do not hold is still answered from the web.
    const off = await call('search', { query: '量子计算机的原理是什么？' });
    expect(off.crag).toMatchObject({ verdict: 'incorrect' });
    expect((off.passages as { origin: string }[]).map((p) => p.origin)).toEqual(['web']);
  });
});
