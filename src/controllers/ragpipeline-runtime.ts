import { runtimeHealthSchema, type EvalResult } from '../rag/config.js';

/** What the controller learns from a running RAG runtime (best effort; never a readiness input). */
export interface RuntimeInfo {
  tools: string[];
  chunks?: number | undefined;
  documents?: number | undefined;
  lastIndexedTime?: string | undefined;
  lastEval?: EvalResult | undefined;
  embedder?: string | undefined;
  degraded?: { reason: string; message: string } | undefined;
}

/** Reads tools and index stats from a runtime's MCP endpoint. Tests that have no runtime pass none. */
export interface RuntimeProbe {
  /** `endpoint` is the MCP URL (`…/mcp`); resolves undefined when the runtime cannot be reached. */
  probe(endpoint: string): Promise<RuntimeInfo | undefined>;
}

/** Probe over HTTP: MCP `tools/list` with the SDK client, chunk count from the runtime's `/healthz`. */
export class HttpRuntimeProbe implements RuntimeProbe {
  constructor(private readonly timeoutMs = 3000) {}

  async probe(endpoint: string): Promise<RuntimeInfo | undefined> {
    // The MCP SDK (with ajv and zod-to-json-schema) is ~8 MB of heap: loaded on the first probe, so an operator
    // without RagPipelines never pays for it (docs/evaluation/operator.md, "Memory (this session)").
    const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    const signal = AbortSignal.timeout(this.timeoutMs);
    const client = new Client({ name: 'higress-ai-operator', version: '0.1.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { signal } }));
      const { tools } = await client.listTools(undefined, { signal });
      const health = await fetch(new URL('/healthz', endpoint), { signal })
        .then(async (r) => (r.ok ? runtimeHealthSchema.safeParse(await r.json()) : undefined))
        .then((p) => (p?.success ? p.data : undefined))
        .catch(() => undefined);
      return {
        tools: tools.map((t) => t.name).sort(),
        chunks: health?.chunks,
        documents: health?.documents,
        lastIndexedTime: health?.lastIndexedTime,
        lastEval: health?.lastEval,
        embedder: health?.embedder,
        degraded: health?.degraded,
      };
    } catch {
      return undefined;
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
