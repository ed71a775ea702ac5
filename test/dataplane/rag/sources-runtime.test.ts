// The runtime as a Deployment runs it: one document at RAG_CONFIG naming its sources (mounted under a root
// directory, a URL source on loopback) and its eval set. It must index everything at start, skip a corrupt file with a
// reason, and index nothing twice after a restart on the same persisted store.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freeLoopbackPort } from '../../../src/util/free-port.js';
import { RAG_CONFIG_VERSION, runtimeHealthSchema, type RagConfigInput, type RuntimeHealth } from '../../../src/rag/config.js';

const ROOT = join(import.meta.dirname, '../../..');
let dir: string;
let docsServer: Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rag-runtime-'));
  await mkdir(join(dir, 'mounts', 'handbook'), { recursive: true });
  await writeFile(join(dir, 'mounts', 'handbook', 'vacation.md'), 'Employees get twenty-five days of paid vacation per year.');
  await writeFile(join(dir, 'mounts', 'handbook', 'broken.json'), '{"documents": [');
  docsServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ documents: [{ id: 'travel', title: 'Travel', text: 'Trips under five hundred kilometres go by train.' }] }));
  });
  await new Promise<void>((r) => docsServer.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise<void>((r) => docsServer.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

async function startRuntime(port: number): Promise<{ child: ChildProcess; stderr: () => string }> {
  const config: RagConfigInput = {
    version: RAG_CONFIG_VERSION,
    server: { host: '127.0.0.1', port },
    store: { kind: 'lancedb', path: join(dir, 'store') },
    sources: {
      mountRoot: join(dir, 'mounts'),
      items: [
        { name: 'faq', type: 'inline', documents: [{ id: 'hr', title: 'HR', text: 'Ask the HR team about benefits.' }] },
        { name: 'handbook', type: 'configMap', configMap: { name: 'handbook' } },
        { name: 'remote', type: 'url', url: `http://127.0.0.1:${(docsServer.address() as AddressInfo).port}/export` },
      ],
    },
    eval: { path: join(dir, 'eval.json') },
  };
  await writeFile(join(dir, 'rag.yaml'), stringify(config));
  const evalSet = [
    { question: 'How many days of paid vacation do employees get?', relevant: ['handbook/vacation.md'] },
    { question: 'How should I travel for trips under five hundred kilometres?', relevant: ['travel'] },
  ];
  await writeFile(join(dir, 'eval.json'), JSON.stringify(evalSet));
  const env: NodeJS.ProcessEnv = { ...process.env, RAG_CONFIG: join(dir, 'rag.yaml'), LOG_LEVEL: 'info' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/rag/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, stderr: () => out };
}

async function indexedReport(port: number, logs: () => string): Promise<{ chunks: number; log: string; health: RuntimeHealth }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The eval runs after indexing, so its log line means both are done.
    const line = logs()
      .split('\n')
      .find((l) => l.includes('"eval set run"'));
    if (line) {
      const health = runtimeHealthSchema.parse(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json());
      return { chunks: health.chunks, log: logs(), health };
    }
    if (Date.now() > deadline) throw new Error(`runtime never reported indexing; output:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('RAG runtime loads its sources', () => {
  it('indexes inline, mounted and URL sources at start, runs the eval set, skips a corrupt file, and does not duplicate after a restart', async () => {
    const port = await freeLoopbackPort();
    const first = await startRuntime(port);
    const a = await indexedReport(port, first.stderr);
    await stop(first.child);
    expect(a.log).toContain('"indexedDocuments":3');
    expect(a.log).toMatch(/"reason":"InvalidJson".*broken\.json/);
    expect(a.chunks).toBeGreaterThanOrEqual(3);
    // What the operator's probe copies into RagPipeline status.
    expect(a.health).toMatchObject({ documents: 3, lastIndexedTime: expect.stringMatching(/Z$/) });
    expect(a.health.lastEval).toMatchObject({ questions: 2, recallAt5: 1 });
    expect(a.health.lastEval!.mrr).toBeGreaterThan(0.5);

    // What the persisted store holds shows when the next start opens it, before it re-reads the sources.
    const storedAtOpen = (log: string) => Number(/"chunks":(\d+)[^\n]*"rag service opened"/.exec(log)?.[1] ?? NaN);
    for (let restart = 1; restart <= 2; restart++) {
      const next = await startRuntime(port);
      const b = await indexedReport(port, next.stderr);
      await stop(next.child);
      expect({ restart, stored: storedAtOpen(b.log), served: b.chunks }).toEqual({ restart, stored: a.chunks, served: a.chunks });
    }
  });
});
