import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Starts a throwaway PostgreSQL (hack/ensure-postgres.sh) on a free loopback port, for data-plane tests
// and benchmarks that need a real server. `stop()` kills it and removes its directory.

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ensure-postgres.sh');

export interface ThrowawayPostgres {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const port = await freePort();
  const { stdout } = await run(SCRIPT, ['start', dir, String(port)], { timeout: 120_000 });
  const url = stdout.trim().split('\n').at(-1) ?? '';
  return {
    url,
    async stop() {
      await run(SCRIPT, ['stop', dir], { timeout: 60_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
