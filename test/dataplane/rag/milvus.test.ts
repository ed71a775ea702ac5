import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freeLoopbackPort } from '../../../src/util/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Runs the Milvus adapter against a real Milvus: the `milvus-lite` PyPI package's gRPC server
// (`pip install milvus-lite pymilvus`; milvus-lite 3.x serves the Milvus gRPC API on a port).
// Skipped, with the reason printed, when the command is not installed. The adapter itself runs in
// a tsx child process (see milvus-probe.ts for why).
const hasMilvusLite = spawnSync('milvus-lite', ['--help'], { stdio: 'ignore' }).status === 0;
if (!hasMilvusLite) console.warn('skipping Milvus tests: `milvus-lite` is not on PATH (pip install milvus-lite pymilvus)');
const describeMilvus = hasMilvusLite ? describe : describe.skip;

describeMilvus('MilvusStore against milvus-lite', () => {
  let dir: string;
  let server: ChildProcess;
  let address: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rag-milvus-'));
    const port = await freeLoopbackPort();
    address = `127.0.0.1:${port}`;
    server = spawn('milvus-lite', ['server', '--data-dir', join(dir, 'data'), '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes, searches (hybrid and dense), replaces, survives a reopen and rejects a dimension mismatch', async () => {
    const probe = new URL('./milvus-probe.ts', import.meta.url).pathname;
    const tsx = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(tsx, [probe, address], { timeout: 90000, env: { ...process.env, LOG_LEVEL: 'silent' } });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(seen).toEqual({
      indexedChunks: 2,
      hybridTop: 'vienna',
      denseTop: 'vienna',
      countAfterReplace: 2,
      reopenedSize: 2,
      reopenedBanana: ['Apples grow in orchards.'],
      mismatchReason: 'EmbeddingDimensionMismatch',
    });
  }, 120000);
});
