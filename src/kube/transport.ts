import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

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

/**
 * What the transport needs from a kubeconfig: the server (and its proxy) and, per refresh, TLS material and auth
 * headers. Implemented by ./kubeconfig.ts's LoadedKubeConfig; @kubernetes/client-node's KubeConfig has the same
 * shape, so tests and tools that hold one pass it as is.
 */
export interface KubeConfigSource {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** Non-watch requests fail with reason `Timeout` after this long (a hung API server must not hang a reconcile). */
export const REQUEST_TIMEOUT_MS = 30_000;

// Credentials are re-read this often, so rotated tokens and certificates (files, exec plugins) are picked up
// without per-request file I/O. The kubelet refreshes a bound token at 80% of its (≥ 10 min) lifetime.
const AUTH_CACHE_MS = 30_000;

/**
 * Transport over node:http(s) using a kubeconfig for server, TLS material and auth headers, with one
 * keep-alive agent (client-node 1.x builds a fresh agent per request, which defeats connection reuse). A new
 * agent replaces it when the TLS material changes (a rotated client certificate or CA).
 */
export class KubeConfigTransport implements Transport {
  private readonly server: URL;
  private readonly proxyUrl: string | undefined;
  private cached?: { at: number; options: https.RequestOptions };
  private agent?: { tls: string; agent: http.Agent };

  constructor(
    private readonly kc: KubeConfigSource,
    /** How long TLS material and headers are reused; tests set 0 to see a rotation at once. */
    private readonly authCacheMs: number = AUTH_CACHE_MS,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.proxyUrl = cluster.proxyUrl || undefined;
  }

  private async options(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.authCacheMs) return this.cached.options;
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const tls = tlsFingerprint(opts);
    if (this.agent?.tls !== tls) {
      const old = this.agent?.agent;
      this.agent = { tls, agent: this.newAgent(opts) };
      // Idle sockets of the old agent carry the old identity; requests and watches in flight finish on theirs.
      if (old) for (const sockets of Object.values(old.freeSockets)) for (const s of sockets ?? []) s.destroy();
    }
    const options: https.RequestOptions = { headers: { ...(opts.headers ?? {}) }, agent: this.agent.agent };
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
    let req: http.ClientRequest | undefined;
    const response = new Promise<RawResponse>((resolve, reject) => {
      // A keep-alive socket keeps the request that opened it reachable for as long as it lives (through the
      // listeners the agent and TLS leave on it), and with it every listener below. So none of them may reach the
      // response once it is handed over, nor the request body (written outside this closure for that reason). At
      // 500 pools a heap snapshot held ~6 MB of initial LIST bodies and ~4 MB of chunk buffers that way.
      let pending: { resolve: typeof resolve; reject: typeof reject } | undefined = { resolve, reject };
      const take = () => {
        const p = pending;
        pending = undefined;
        return p;
      };
      const fail = (error: Error) => take()?.reject(error);
      const mod = this.server.protocol === 'https:' ? https : http;
      const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
      const r = mod.request(url, { ...base, method, headers: { ...base.headers, ...headers } }, (res) => {
        let chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          chunks = [];
          take()?.resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', fail);
      });
      r.setTimeout(REQUEST_TIMEOUT_MS, () =>
        r.destroy(Object.assign(new Error(`${method} ${path}: no response in ${REQUEST_TIMEOUT_MS} ms`), { reason: 'Timeout' })),
      );
      r.on('error', fail);
      req = r;
    });
    // Unset when creating the request threw: `response` carries that error.
    if (req) {
      if (body !== undefined) req.write(body);
      req.end();
    }
    return response;
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

  private newAgent(opts: https.RequestOptions): http.Agent {
    // kubectl's proxy-url applies to every request, whatever NO_PROXY says: so only the proxy variable is given.
    const proxyEnv = this.proxyUrl ? { proxyEnv: { HTTPS_PROXY: this.proxyUrl, HTTP_PROXY: this.proxyUrl } } : {};
    if (this.server.protocol !== 'https:') return new http.Agent({ keepAlive: true, ...proxyEnv });
    return new https.Agent({
      keepAlive: true,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      servername: opts.servername,
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...proxyEnv,
    });
  }

  /** Close idle keep-alive sockets (tests and shutdown). */
  close(): void {
    this.agent?.agent.destroy();
  }
}

/** A digest of the TLS options an agent is built from: equal digests, same agent. */
function tlsFingerprint(opts: https.RequestOptions): string {
  const h = createHash('sha256');
  for (const v of [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.servername, opts.rejectUnauthorized]) {
    for (const part of Array.isArray(v) ? v : [v]) {
      h.update(part === undefined ? '\0' : Buffer.isBuffer(part) ? part : JSON.stringify(part));
      h.update('\x01');
    }
  }
  return h.digest('hex');
}
