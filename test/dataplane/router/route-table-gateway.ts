import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ingress } from '../../../src/higress/types.js';
import { buildRouteTable, resolveRoute } from '../../support/higress-routes.js';

/**
 * A loopback stand-in for the Higress gateway that routes as Higress would (test/support/higress-routes.ts: the
 * route order and matching of alibaba/higress v2.2.1) over the Ingresses it is given, with the two plugin steps
 * the model routes rely on:
 * - model-router (plugins/wasm-go/extensions/model-router/main.go): on a path ending in `/completions` with a
 *   JSON body, the body's `model` replaces header `x-higress-llm-model` before the route is chosen;
 * - ai-proxy (plugins/wasm-go/extensions/ai-proxy/main.go `getApiName`, provider/openai.go): a path ending in
 *   `/v1/chat/completions` is the chat API, sent to the provider's base URL + `/chat/completions` whatever the
 *   path's prefix was.
 * Destinations (`higress.io/destination`, `host:port`) map to loopback base URLs through `upstreams`, which may be
 * filled after start (the router and the gateway each need the other's address). Every request is logged with the
 * route that took it.
 */

export interface GatewayHit {
  route: string | undefined;
  path: string;
  model: string | undefined;
}

export interface RouteTableGateway {
  url: string;
  hits: GatewayHit[];
  close(): Promise<void>;
}

const MODEL_HEADER = 'x-higress-llm-model';

export async function startRouteTableGateway(opts: {
  ingresses: readonly Ingress[];
  systemNamespace: string;
  /** `higress.io/destination` entry → provider base URL (e.g. http://127.0.0.1:1234/v1). */
  upstreams: Map<string, string>;
}): Promise<RouteTableGateway> {
  const table = buildRouteTable(opts.ingresses, opts.systemNamespace);
  const hits: GatewayHit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const pathOnly = path.split('?')[0] ?? '';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let model: string | undefined;
      if (pathOnly.endsWith('/completions') && (headers['content-type'] ?? '').includes('application/json')) {
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown };
          if (typeof parsed.model === 'string') model = parsed.model;
        } catch {
          // Not JSON: model-router leaves the request alone.
        }
      }
      if (model !== undefined) headers[MODEL_HEADER] = model;
      const route = resolveRoute(table, { method: req.method ?? 'GET', path, headers, ...(headers.host ? { host: headers.host } : {}) });
      hits.push({ route: route?.name, path: pathOnly, model });
      const send = (status: number, message: string, code: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message, type: 'gateway', code } }));
      };
      if (!route) return send(404, `no route for ${pathOnly}`, 'route_not_found');
      const base = opts.upstreams.get(route.destinations[0] ?? '');
      if (!base) return send(503, `no upstream for ${route.destinations[0] ?? '?'}`, 'no_healthy_upstream');
      if (!pathOnly.endsWith('/v1/chat/completions')) return send(404, `unsupported path ${pathOnly}`, 'unsupported_path');
      const target = new URL(`${base.replace(/\/+$/, '')}/chat/completions`);
      const out = { ...headers };
      delete out.host;
      delete out.connection;
      out['content-length'] = String(body.length);
      const up = httpRequest(target, { method: req.method, headers: out }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', (err) => send(502, err.message, 'upstream_error'));
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
