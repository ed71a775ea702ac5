import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';

export interface EndpointResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** A path's handler; may be async (the metrics registry collects asynchronously). */
export type Endpoint = () => EndpointResponse | Promise<EndpointResponse>;

export interface EndpointServer {
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * A tiny HTTP server for the manager's probe and metrics endpoints (GET only, exact paths, no body
 * parsing — nothing a client sends reaches our code beyond the path). Port 0 picks a free port.
 */
export async function serveEndpoints(port: number, host: string, endpoints: Readonly<Record<string, Endpoint>>): Promise<EndpointServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const endpoint = Object.hasOwn(endpoints, path) ? endpoints[path] : undefined;
    if (!endpoint || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = endpoint ? 405 : 404;
      res.end();
      return;
    }
    Promise.resolve()
      .then(endpoint)
      .then(
        (r) => {
          res.statusCode = r.status;
          res.setHeader('content-type', r.contentType ?? 'text/plain; charset=utf-8');
          res.end(r.body);
        },
        (e: unknown) => {
          res.statusCode = 500;
          res.end(e instanceof Error ? e.message : 'error');
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `/metrics` in the Prometheus text format from the process-wide registry. */
export const metricsEndpoint: Endpoint = async () => ({ status: 200, body: await register.metrics(), contentType: register.contentType });
