import { z } from 'zod';
import { postJson } from './http-json.js';
import { RagError } from './errors.js';

// Web-search provider contract (documented in docs/evaluation/rag.md):
//   POST <url>  {"query": string, "topK": number}
//   200         {"results": [{"title": string, "url": string, "content": string}]}
// A thin adapter in front of any real search API (Bing, Tavily, SearXNG, a Higress ai-search
// upstream) satisfies it; tests run a loopback server that speaks it.
const responseSchema = z.object({
  results: z.array(z.object({ title: z.string(), url: z.string(), content: z.string() })),
});

export type WebResult = z.infer<typeof responseSchema>['results'][number];

export interface WebSearchProvider {
  search(query: string, topK: number): Promise<WebResult[]>;
}

export class HttpWebSearch implements WebSearchProvider {
  constructor(private readonly opts: { url: string; timeoutMs: number }) {}

  async search(query: string, topK: number): Promise<WebResult[]> {
    const body = await postJson(this.opts.url, { query, topK }, { timeoutMs: this.opts.timeoutMs, reason: 'WebSearchUnavailable' });
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) throw new RagError('WebSearchUnavailable', `web search response does not match the contract: ${parsed.error.message}`);
    return parsed.data.results.slice(0, topK);
  }
}
