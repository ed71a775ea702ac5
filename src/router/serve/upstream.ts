import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ReasonError } from '../../util/errors.js';

// The router's one connection pool to its upstream (the Higress gateway, or the simulator in tests).
// Keep-alive matters: a fresh TCP handshake per request would dominate the router's added latency.

export interface UpstreamOptions {
  baseUrl: string;
  apiKey?: string;
  maxSockets: number;
}

export class UpstreamError extends ReasonError<'UpstreamUnreachable' | 'UpstreamTimeout' | 'UpstreamAborted'> {}

export interface UpstreamCall {
  response: Promise<IncomingMessage>;
  abort(reason?: UpstreamError): void;
}

export class Upstream {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly opts: UpstreamOptions) {
    this.url = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.transport = this.url.protocol === 'https:' ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: 256, scheduling: 'lifo' as const };
    this.agent = this.url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  get origin(): string {
    return this.url.origin;
  }

  /** POSTs `body` to `path` (relative to the base URL); the promise settles on the response head. */
  post(path: string, body: Buffer, headers: Record<string, string> = {}): UpstreamCall {
    const target = new URL(path.replace(/^\//, ''), this.url);
    const outHeaders: Record<string, string> = {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(body.length),
    };
    if (this.opts.apiKey) outHeaders.authorization = `Bearer ${this.opts.apiKey}`;
    const req = this.transport.request(target, { method: 'POST', agent: this.agent, headers: outHeaders });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', (err) => reject(err instanceof UpstreamError ? err : new UpstreamError('UpstreamUnreachable', err.message)));
    });
    // Callers that give up early must not leave an unhandled rejection behind.
    response.catch(() => undefined);
    req.end(body);
    return {
      response,
      abort: (reason) => req.destroy(reason ?? new UpstreamError('UpstreamAborted', 'aborted by the router')),
    };
  }

  /** A whole JSON exchange (shadow calls, evaluator): no streaming, bounded by `timeoutMs`. */
  async postJson(path: string, payload: unknown, timeoutMs: number, base?: string): Promise<{ status: number; body: unknown }> {
    const target = base ? new Upstream({ ...this.opts, baseUrl: base }) : this;
    const call = target.post(path, Buffer.from(JSON.stringify(payload)));
    const timer = setTimeout(() => call.abort(new UpstreamError('UpstreamTimeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await call.response;
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // Non-JSON bodies are returned as text for the caller's error message.
      }
      return { status: res.statusCode ?? 0, body };
    } finally {
      clearTimeout(timer);
      if (target !== this) target.close();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
