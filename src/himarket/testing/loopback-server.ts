import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST ONLY. The HTTP shell the fake HiMarket and Higress-console servers share: listen on loopback (port 0
 * picks a free one) and stop without waiting for keep-alive clients; subclasses answer, and record in `requests`
 * what they were asked.
 */
export abstract class LoopbackTestServer {
  private server: Server | undefined;
  /** Requests as `METHOD /path`, recorded by the subclass (assertions on what a client sent). */
  readonly requests: string[] = [];
  url = '';

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
