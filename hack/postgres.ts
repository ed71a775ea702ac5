import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../src/util/free-port.js';

// Starts a throwaway PostgreSQL (hack/ensure-postgres.sh) on a free loopback port, for data-plane tests
// and benchmarks that need a real server. `stop()` kills it and removes its directory.

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ensure-postgres.sh');

export interface ThrowawayPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const port = await freeLoopbackPort();
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
