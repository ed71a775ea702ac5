import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../hack/postgres.js';
import { openStore } from '../../../src/router/flywheel/open-store.js';
import { tempDir } from './helpers.js';

// A writer acknowledges records and is killed with SIGKILL mid-stream; after reopening the store every
// acknowledged record must be there (SQLite WAL + synchronous=FULL; Postgres committed inserts).

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'append-child.ts');
const dir = tempDir('kill9-');
let pg: ThrowawayPostgres | undefined;

beforeAll(async () => {
  pg = await startThrowawayPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged at least `minAcks` records, kills it -9, returns acked ids. */
function appendAndKill(kind: string, target: string, minAcks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, kind, target], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged only ${acked.length} records in time; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (!killed && acked.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      // Acks printed before the kill but read after it still count: they were acknowledged.
      for (const line of buffered.split('\n')) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('kill -9 during flywheel writes', () => {
  it('loses no acknowledged SQLite record', async () => {
    const path = join(dir, 'flywheel.db');
    const acked = await appendAndKill('sqlite', path, 300);
    const store = await openStore({ kind: 'sqlite', path });
    const ids = new Set((await store.all()).map((r) => r.id));
    await store.close();
    expect(acked.length).toBeGreaterThanOrEqual(300);
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('loses no acknowledged Postgres record', async () => {
    const url = pg?.url ?? '';
    const acked = await appendAndKill('postgres', url, 300);
    const store = await openStore({ kind: 'postgres', connectionStringEnv: 'U', table: 'flywheel_records', poolSize: 2 }, { U: url });
    const ids = new Set((await store.all()).map((r) => r.id));
    await store.close();
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  });
});
