import { errorMessage } from '../util/errors.js';

/** The largest document the operator reads (the same bound as `openapi.inline` in the CRD). */
export const MAX_DOCUMENT_BYTES = 262144;
/** How often a URL document is read again: a service that changes its API reaches the tools within this. */
export const DOCUMENT_REFRESH_MS = 5 * 60_000;
/** Retry delay after a URL could not be read. */
export const DOCUMENT_RETRY_MS = 15_000;

/**
 * Reads OpenAPI documents from `tools[].openapi.url` (an in-cluster service serving its own spec). One GET per
 * URL per refresh period, whatever the number of reconciles in between; a failure becomes the OpenApiUnavailable
 * condition (naming the field) and is not cached.
 */
export class DocumentFetcher {
  private readonly cache = new Map<string, { at: number; result: { text: string } }>();

  constructor(
    private readonly timeoutMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async read(url: string): Promise<{ text: string } | { error: string }> {
    const hit = this.cache.get(url);
    if (hit && this.now() - hit.at < DOCUMENT_REFRESH_MS) return hit.result;
    const result = await this.get(url);
    // Only documents are kept: a failure is retried at the next reconcile (the controller requeues soon).
    if ('text' in result) this.cache.set(url, { at: this.now(), result });
    return result;
  }

  private async get(url: string): Promise<{ text: string } | { error: string }> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json, application/yaml, text/yaml, */*' } });
      if (!res.ok) return { error: `GET ${url}: HTTP ${res.status}` };
      const text = await res.text();
      if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) return { error: `GET ${url}: document larger than ${MAX_DOCUMENT_BYTES} bytes` };
      return { text };
    } catch (err) {
      return { error: `GET ${url}: ${errorMessage(err)}` };
    }
  }
}
