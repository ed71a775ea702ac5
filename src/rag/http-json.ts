import { RagError, type RagErrorReason, errorMessage } from './errors.js';

// One POST-JSON helper for every outbound dependency (embeddings, chat, re-ranker, web search) so
// timeouts and failure reasons look the same everywhere.
export async function postJson(url: string, body: unknown, opts: { timeoutMs: number; reason: RagErrorReason; apiKey?: string | undefined }): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    throw new RagError(opts.reason, `POST ${url} failed: ${errorMessage(err)}`, { cause: err });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new RagError(opts.reason, `POST ${url} returned HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  try {
    return await res.json();
  } catch (err) {
    throw new RagError(opts.reason, `POST ${url} returned invalid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

export function apiKeyFrom(envName: string | undefined): string | undefined {
  return envName ? process.env[envName] : undefined;
}
