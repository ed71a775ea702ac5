import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../../src/util/free-port.js';

// A real redis-server (Debian package, via hack/ensure-redis.sh) on a free loopback port.
const SCRIPT = new URL('../../../hack/ensure-redis.sh', import.meta.url).pathname;

export interface TestRedis {
  port: number;
  stop(): void;
  /** Starts again on the same port, empty (no persistence): a Redis restart as a cache sees it. */
  start(): void;
  remove(): void;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cache-redis-'));
  const port = await freeLoopbackPort();
  const start = (): void => void execFileSync('bash', [SCRIPT, 'start', dir, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = (): void => void execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  start();
  return {
    port,
    start,
    stop,
    remove: () => {
      stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
