import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheMiddleware } from './chat-middleware.js';
import type { SemanticCache } from './semantic-cache.js';

/** The status of GET /cache/stats with `authorization`, on a middleware with `token`. */
async function statsStatus(token: string | undefined, authorization?: string): Promise<number> {
  const middleware = new CacheMiddleware({ stats: () => ({ lookups: 0 }) } as unknown as SemanticCache, token);
  const server = createServer((req, res) => void middleware.admin(req, res, req.url ?? '/'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/cache/stats`, { headers: authorization ? { authorization } : {} });
    return res.status;
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('cache admin API token', () => {
  it('asks for the bearer token when one is configured', async () => {
    expect(await statsStatus('t0k', 'Bearer t0k')).toBe(200);
    expect(await statsStatus('t0k', 'Bearer t0x')).toBe(401);
    expect(await statsStatus('t0k')).toBe(401);
  });

  it('is open without a token, and closed when the token variable is named but empty', async () => {
    expect(await statsStatus(undefined)).toBe(200);
    expect(await statsStatus('', 'Bearer ')).toBe(401);
  });
});
