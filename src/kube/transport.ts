import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';

/** One HTTP response from the API server: status code and the raw body (JSON text or stream). */
export interface RawResponse {
  status: number;
  body: string;
}

export interface StreamResponse {
  status: number;
  /** Response body when status is 200; otherwise already drained into `errorBody`. */
  stream?: Readable;
  errorBody?: string;
}

/** The only I/O surface of the kit: plain requests and long-lived watch streams. */
export interface Transport {
  request(method: string, path: string, body?: string, contentType?: string): Promise<RawResponse>;
  stream(path: string, signal: AbortSignal): Promise<StreamResponse>;
}

/** Non-watch requests fail with reason `Timeout` after this long (a hung API server must not hang a reconcile). */
export const REQUEST_TIMEOUT_MS = 30_000;

// Credentials are re-read this often, so rotated exec/file tokens are picked up without per-request file I/O.
const AUTH_CACHE_MS = 30_000;

/**
 * Transport over node:http(s) using a KubeConfig for server, TLS material and auth headers, with one
 * keep-alive agent (client-node 1.x builds a fresh agent per request, which defeats connection reuse).
 */
export class KubeConfigTransport implements Transport {
  private readonly server: URL;
  private cached?: { at: number; options: https.RequestOptions };
  private agent?: http.Agent;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private async options(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < AUTH_CACHE_MS) return this.cached.options;
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    if (!this.agent) {
      this.agent =
        this.server.protocol === 'https:'
          ? new https.Agent({
              keepAlive: true,
              ca: opts.ca,
              cert: opts.cert,
              key: opts.key,
              pfx: opts.pfx,
              passphrase: opts.passphrase,
              servername: opts.servername,
              ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
            })
          : new http.Agent({ keepAlive: true });
    }
    const options: https.RequestOptions = { headers: { ...(opts.headers ?? {}) }, agent: this.agent };
    if (opts.auth) options.auth = opts.auth;
    this.cached = { at: now, options };
    return options;
  }

  async request(method: string, path: string, body?: string, contentType?: string): Promise<RawResponse> {
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const base = await this.options();
    return new Promise<RawResponse>((resolve, reject) => {
      const mod = this.server.protocol === 'https:' ? https : http;
      const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
      const req = mod.request(url, { ...base, method, headers: { ...base.headers, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(Object.assign(new Error(`${method} ${path}: no response in ${REQUEST_TIMEOUT_MS} ms`), { reason: 'Timeout' })),
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async stream(path: string, signal: AbortSignal): Promise<StreamResponse> {
    const base = await this.options();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const mod = this.server.protocol === 'https:' ? https : http;
      const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
      const req = mod.request(url, { ...base, method: 'GET', headers: { ...base.headers, accept: 'application/json' }, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
    if (res.statusCode === 200) {
      // Watches can be quiet for minutes; keepalive probes notice a vanished peer.
      res.socket.setKeepAlive(true, 30_000);
      return { status: 200, stream: res };
    }
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, errorBody: Buffer.concat(chunks).toString('utf8') };
  }

  /** Close idle keep-alive sockets (tests and shutdown). */
  close(): void {
    this.agent?.destroy();
  }
}
