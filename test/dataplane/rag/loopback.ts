import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readOptionalJson } from '../../../src/util/http-body.js';

// Loopback stand-ins for the RAG server's outbound dependencies: an OpenAI-compatible chat model,
// an OpenAI-compatible embeddings endpoint and a web-search provider speaking our documented
// contract. They are real HTTP servers so the real clients are exercised.

export interface Loopback {
  url: string;
  requests: { path: string; body: unknown }[];
  close(): Promise<void>;
}

type Handler = (path: string, body: unknown) => { status: number; body: unknown };

export async function startLoopback(handler: Handler): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readOptionalJson(req, 32 * 1024 * 1024).then((body) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ path, body });
      const out = handler(path, body);
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A chat model that answers every question by citing passage [1]. */
export function fakeChat(): Handler {
  return (path) =>
    path.endsWith('/chat/completions')
      ? { status: 200, body: { choices: [{ message: { role: 'assistant', content: 'The answer is in the first passage [1].' } }] } }
      : { status: 404, body: {} };
}

export function fakeWebSearch(): Handler {
  return (_path, body) => {
    const q = (body as { query?: string } | undefined)?.query ?? '';
    return { status: 200, body: { results: [{ title: 'Web result', url: 'https://example.org/web-1', content: `A web page about ${q}.` }] } };
  };
}
