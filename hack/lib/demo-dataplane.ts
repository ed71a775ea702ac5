// The data-plane sections of `make demo`: each sample's runtime answering real requests, and the status columns
// that follow from them. Each section checks its own claim and throws when it does not hold (the e2e demo test
// asserts the lines they print).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { SemanticRouterObject } from '../../src/controllers/semanticrouter.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { startTraffic } from '../../src/simulator/traffic.js';
import { say, table, type Sample } from './demo-print.js';

/** Sends the simulator's questions to each SemanticRouter as model "auto" and shows its columns move. */
export async function showRouterLearning(
  client: KubeClient,
  samples: Sample[],
  simUrl: string,
  forMs: number,
  stopEarly: boolean,
  /** Requests to send at most: one pass over the questions, so none is repeated (a repeat is a cache hit, not routing). */
  limit: number,
) {
  const routers = samples.filter((s) => s.rt.kind === 'SemanticRouter');
  if (routers.length === 0) return;
  say('\n# SemanticRouter learning from traffic (model "auto", questions from the simulator)');
  const traffic = [];
  for (const r of routers) {
    const endpoint = (await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace))?.status?.endpoint;
    if (endpoint) traffic.push(startTraffic({ baseUrl: endpoint, simulatorUrl: simUrl, concurrency: 4, limit }));
  }
  const until = Date.now() + forMs;
  let last = '';
  const first = new Map<string, number>();
  const latest = new Map<string, { dataset: number; accuracy: string | undefined }>();
  while (Date.now() < until) {
    const rows = [['NAME', 'READY', 'ACCURACY', 'DATASET', 'MODEL', 'SPEND', 'KNOB']];
    for (const r of routers) {
      const o = await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace);
      const s = o?.status;
      const id = `${r.namespace}/${r.name}`;
      if (typeof s?.datasetSize === 'number') {
        if (!first.has(id)) first.set(id, s.datasetSize);
        latest.set(id, { dataset: s.datasetSize, accuracy: s.routingAccuracy });
      }
      rows.push([
        id,
        s?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-',
        s?.routingAccuracy ?? '-',
        String(s?.datasetSize ?? '-'),
        s?.modelVersion ?? '-',
        s?.spend ?? '-',
        s?.effectiveKnob ?? '-',
      ]);
    }
    const text = table(rows);
    if (text !== last)
      say(`${text}
`);
    last = text;
    // Once every router's columns moved there is nothing more to show in --once mode.
    if (stopEarly && routers.every((r) => moved(first.get(`${r.namespace}/${r.name}`), latest.get(`${r.namespace}/${r.name}`)))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  for (const t of traffic) t.stop();
  // The README's claim, checked on every run: DATASET grows and ACCURACY appears while the flywheel runs.
  const stuck = routers.map((r) => `${r.namespace}/${r.name}`).filter((id) => !moved(first.get(id), latest.get(id)));
  if (stuck.length) {
    throw new Error(
      `SemanticRouter columns did not move in ${forMs / 1000} s: ${stuck.map((id) => `${id} DATASET ${first.get(id) ?? '-'} → ${latest.get(id)?.dataset ?? '-'}, ACCURACY ${latest.get(id)?.accuracy ?? '-'}`).join('; ')}`,
    );
  }
  for (const [id, l] of latest) say(`SemanticRouter ${id}: columns moved (DATASET ${first.get(id)} → ${l.dataset}, ACCURACY ${l.accuracy})`);
}

/**
 * The sample router's spec.cache, shown working: one question the traffic above did not send, asked twice through
 * the router's OpenAI endpoint (x-cache: miss, then hit-exact), then the hit as the router's /status reports it
 * into status.cache (the CACHE column of `kubectl get sr -o wide`) and the Cached condition. Fails when the second
 * answer is not the first one served from the cache.
 */
export async function showRouterCache(client: KubeClient, samples: Sample[], question: string) {
  for (const r of samples.filter((s) => s.rt.kind === 'SemanticRouter')) {
    const router = await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace);
    const endpoint = router?.status?.endpoint;
    if (!endpoint || !router.status?.cache) continue; // no spec.cache: nothing to show
    const id = `${r.namespace}/${r.name}`;
    say(`\n# SemanticRouter ${id} semantic cache (spec.cache): one question asked twice`);
    const answers: string[] = [];
    const before = router.status.cache.exactHits ?? 0;
    for (const n of [1, 2]) {
      const res = await fetch(`${endpoint}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: question }] }),
      });
      const body = (await res.json()) as { model?: string; choices?: Array<{ message?: { content?: string } }> };
      answers.push(body.choices?.[0]?.message?.content ?? '');
      say(`request ${n}: HTTP ${res.status}, x-cache: ${res.headers.get('x-cache') ?? '-'}, model ${body.model ?? '-'}`);
      if (n === 1 && res.headers.get('x-cache') !== 'miss') {
        throw new Error(`SemanticRouter ${id}: the demo's new question was already cached (x-cache ${res.headers.get('x-cache')})`);
      }
      if (n === 2 && (res.headers.get('x-cache') !== 'hit-exact' || answers[1] !== answers[0])) {
        throw new Error(`SemanticRouter ${id}: the repeated question was not served from the cache (x-cache ${res.headers.get('x-cache')})`);
      }
    }
    // The router's /status reaches status.cache on the next poll (spec.statusPollSeconds).
    const counted = await waitUntil(async () => {
      const o = await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace);
      return (o?.status?.cache?.exactHits ?? 0) > before ? o : undefined;
    }, 30_000);
    if (!counted) throw new Error(`SemanticRouter ${id}: status.cache did not count the hit in 30 s`);
    const c = counted.status!.cache!;
    say(
      table([
        ['NAME', 'CACHE', 'LOOKUPS', 'EXACT HITS', 'ENTRIES', 'TOKENS SAVED', 'USD SAVED'],
        [id, c.hitRate, String(c.lookups ?? '-'), String(c.exactHits ?? '-'), String(c.entries ?? '-'), String(c.tokensSaved ?? '-'), c.usdSaved ?? '-'],
      ]),
    );
    const cached = counted.status!.conditions?.find((x) => x.type === 'Cached');
    say(`Cached=${cached?.status ?? '-'} ${cached?.reason ?? ''}: ${cached?.message ?? ''}`);
    say(`SemanticRouter ${id}: the repeated question was served from the cache (hit counted in status.cache)`);
  }
}

/** Polls `read` until it returns a value, or undefined after `ms`. */
async function waitUntil<T>(read: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** DATASET grew and ACCURACY appeared. */
function moved(first: number | undefined, latest: { dataset: number; accuracy: string | undefined } | undefined): boolean {
  return first !== undefined && latest !== undefined && latest.dataset > first && latest.accuracy !== undefined;
}

type RagPipelineView = KubeObject & {
  status?: { endpoint?: string; documentsIndexed?: number; chunksIndexed?: number; embedder?: string; discoveredTools?: string[] };
};
interface SearchBody {
  passages: { docId?: string; source?: string; score: number; text: string }[];
  trace: { stage: string; variant?: string; status: string; ms?: number; reason?: string }[];
}

/**
 * Each RagPipeline's MCP server, called as an agent calls it: the official MCP SDK client over Streamable HTTP at
 * status.endpoint lists the tools and runs `search` for `query`. Prints the ranked passages and the per-stage trace;
 * throws when no passage comes from `expectDoc`. (`answer` needs the pool's model, which nothing serves here.)
 */
export async function showRagSearch(client: KubeClient, samples: Sample[], query: string, expectDoc: string): Promise<void> {
  for (const r of samples.filter((s) => s.rt.kind === 'RagPipeline')) {
    const p = await client.get<RagPipelineView>(r.rt, r.name, r.namespace);
    const endpoint = p?.status?.endpoint;
    if (!endpoint) continue;
    const id = `${r.namespace}/${r.name}`;
    const s = p.status!;
    say(`\n# RagPipeline ${id}: its MCP server called with the MCP SDK client (${endpoint})`);
    say(`index: ${s.documentsIndexed ?? '-'} documents, ${s.chunksIndexed ?? '-'} chunks, embedder ${s.embedder ?? '-'}`);
    const mcp = new Client({ name: 'higress-ai-operator-demo', version: '0.0.1' });
    try {
      await mcp.connect(new StreamableHTTPClientTransport(new URL(endpoint)));
      say(`tools/list: ${(await mcp.listTools()).tools.map((t) => t.name).join(', ')}`);
      const result = await mcp.callTool({ name: 'search', arguments: { query, topK: 3 } });
      if (result.isError) throw new Error(`RagPipeline ${id}: search failed: ${JSON.stringify(result.content)}`);
      const body = result.structuredContent as SearchBody;
      say(`tools/call search ${JSON.stringify({ query, topK: 3 })}:`);
      say(
        table([
          ['RANK', 'DOC', 'SCORE', 'TEXT'],
          ...body.passages.map((x, i) => [String(i + 1), x.docId ?? x.source ?? '-', x.score.toFixed(3), x.text.replace(/\s+/g, ' ').slice(0, 80)]),
        ]),
      );
      say(
        `stages: ${body.trace.map((t) => `${t.stage}${t.variant ? `(${t.variant})` : ''} ${t.status}${t.ms !== undefined ? ` ${t.ms.toFixed(1)} ms` : ''}`).join(' → ')}`,
      );
      for (const t of body.trace.filter((x) => x.status === 'failed')) {
        say(`  ${t.stage} failed (${t.reason ?? 'no reason'}): skipped, the pipeline goes on without it (no model server answers spec.llm here)`);
      }
      if (!body.passages.some((x) => x.docId === expectDoc)) throw new Error(`RagPipeline ${id}: no passage of ${expectDoc} for "${query}"`);
      say(`RagPipeline ${id}: search answered from the index (${expectDoc} among the passages)`);
    } finally {
      await mcp.close();
    }
  }
}
