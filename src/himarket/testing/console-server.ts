import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/object.js';
import { Resources } from '../../kube/resources.js';
import { readBody } from '../../util/http-body.js';
import { errorMessage } from '../../util/errors.js';

/** Request bodies the test fakes accept; far above anything a test sends. */
export const TEST_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * TEST ONLY. A Higress-console stand-in answering exactly the calls HiMarket makes (himarket.md §6,
 * higress.md §11 — observed on a live console) by reading the REAL Kubernetes API server, the way the
 * console itself does:
 * - `POST /session/login` → 201 with a bare user object and cookie `_hi_sess`; 401 on a wrong password.
 * - `GET /v1/ai/routes/{n}` → ConfigMap `ai-route-<n>`'s `data.data` (AiRoute JSON whose `name` must be n).
 * - `GET /v1/mcpServer/{n}` → Ingress `mcp-server-<n>.internal` labelled `higress.io/biz-type: mcp-server`;
 *   a missing server is **502** (ApiStandardizationAspect), a missing `higress.io/mcp-server-type` a 500.
 * - `GET /v1/domains/{d}` → ConfigMap `domain-<d>`; 404 when missing.
 * Answers are bare objects, no envelope. Guesses (404 body of a missing AI route, the exact user fields)
 * are listed in docs/himarket.md.
 */

export interface ConsoleServerOptions {
  client: KubeClient;
  /** Namespace the console manages (the console's default is higress-system). */
  namespace?: string;
  username: string;
  password: string;
}

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}
interface IngressObject extends KubeObject {
  spec?: { rules?: Array<{ host?: string }> };
}

export class ConsoleTestServer {
  private server: Server | undefined;
  private readonly sessions = new Set<string>();
  /** Requests seen, `METHOD path` (tests assert on what HiMarket asked for). */
  readonly requests: string[] = [];
  url = '';

  constructor(private readonly opts: ConsoleServerOptions) {}

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private get ns(): string {
    return this.opts.namespace ?? 'higress-system';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(`${req.method} ${path}`);
    const body = (await readBody(req, TEST_BODY_LIMIT)).toString('utf8');
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    try {
      if (req.method === 'POST' && path === '/session/login') {
        const creds = JSON.parse(body || '{}') as { username?: string; password?: string };
        if (creds.username !== this.opts.username || creds.password !== this.opts.password) {
          return send(401, { success: false, message: 'Incorrect username or password.' });
        }
        const sid = randomBytes(16).toString('hex');
        this.sessions.add(sid);
        return send(201, { name: this.opts.username, displayName: this.opts.username, type: 'admin' }, { 'set-cookie': `_hi_sess=${sid}; Path=/; HttpOnly` });
      }
      const sid = /(?:^|;\s*)_hi_sess=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (!sid || !this.sessions.has(sid)) return send(401, { success: false, message: 'Not logged in.' });

      let m = /^\/v1\/ai\/routes\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const cm = await this.opts.client.get<ConfigMapObject>(Resources.ConfigMap, `ai-route-${name}`, this.ns);
        const raw = cm?.data?.data;
        const route = raw ? (JSON.parse(raw) as { name?: string }) : undefined;
        if (!route || route.name !== name) return send(404, { success: false, message: `AI route not found: ${name}` });
        return send(200, route);
      }
      m = /^\/v1\/mcpServer\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const ing = await this.opts.client.get<IngressObject>(Resources.Ingress, `mcp-server-${name}.internal`, this.ns);
        if (!ing || ing.metadata.labels?.['higress.io/biz-type'] !== 'mcp-server') {
          return send(502, { success: false, message: `MCP server not found: ${name}` });
        }
        const type = ing.metadata.labels['higress.io/mcp-server-type'];
        if (!type) return send(500, { success: false, message: 'mcp server type is missing' });
        const domains = (ing.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => Boolean(h));
        return send(200, { name, type, domains, description: ing.metadata.annotations?.['higress.io/description'] ?? null });
      }
      m = /^\/v1\/domains\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const cm = await this.opts.client.get<ConfigMapObject>(Resources.ConfigMap, `domain-${name}`, this.ns);
        if (!cm) return send(404, { success: false, message: `Domain not found: ${name}` });
        return send(200, { name, enableHttps: cm.data?.enableHttps ?? 'off' });
      }
      return send(404, { success: false, message: `no route ${req.method} ${path}` });
    } catch (e) {
      return send(500, { success: false, message: errorMessage(e) });
    }
  }
}

