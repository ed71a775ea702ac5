import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import type { RagPipelineSpec } from '../api/v1alpha1/ragpipeline.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
import { ownerId, type OwnerRef } from '../kube/owner.js';
import { Resources } from '../kube/resources.js';
import type { RagRender } from '../reconcilers/ragpipeline.js';
import type { RagPipelineObject, RuntimeLocator } from './ragpipeline.js';
import { documentsFromJson } from '../rag/sources.js';

/**
 * Local-process mode (demo, `RAG_LOCAL_PROCESS=1`): the operator runs one RAG runtime per pipeline as a child
 * process on loopback instead of relying on pods, restarts it when the rendered config changes (same checksum
 * as the Deployment's rollout annotation), and feeds it the pipeline's inline, ConfigMap and URL sources over
 * `POST /ingest`. PVC sources cannot be read from outside the cluster and are skipped with a log line.
 */

interface Running {
  checksum: string;
  child: ChildProcess;
  url: string;
  documents: number;
}

export interface LocalProcessOptions {
  client: KubeClient;
  log: Logger;
  /** Where per-pipeline config files and LanceDB data go. */
  stateDir?: string;
  /** Command that starts the runtime (config path in RAG_CONFIG, port in PORT). */
  command?: string[];
  startTimeoutMs?: number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** `node --import tsx src/rag/main.ts` from a source checkout, `node dist/rag/main.js` from a build. */
function defaultCommand(): string[] {
  return import.meta.url.endsWith('.ts')
    ? [process.execPath, '--import', 'tsx', join(here, '../rag/main.ts')]
    : [process.execPath, join(here, '../rag/main.js')];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class LocalProcessLocator implements RuntimeLocator {
  readonly replacesDeployment = true;
  private readonly running = new Map<string, Running>();
  private readonly starting = new Map<string, Promise<Running | undefined>>();

  constructor(private readonly opts: LocalProcessOptions) {}

  async endpointFor(pipeline: RagPipelineObject, render: RagRender): Promise<string | undefined> {
    const id = ownerId(render.owner);
    const current = this.running.get(id);
    if (current && current.checksum === render.checksum && current.child.exitCode === null) return `${current.url}/mcp`;
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.restart(id, pipeline.spec, render).finally(() => this.starting.delete(id));
      this.starting.set(id, pending);
    }
    const started = await pending;
    return started ? `${started.url}/mcp` : undefined;
  }

  documentsIndexed(owner: OwnerRef): number | undefined {
    return this.running.get(ownerId(owner))?.documents;
  }

  async release(owner: OwnerRef): Promise<void> {
    const id = ownerId(owner);
    const r = this.running.get(id);
    this.running.delete(id);
    if (r) await stop(r.child);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => stop(r.child)));
    this.running.clear();
  }

  private async restart(id: string, spec: RagPipelineSpec, render: RagRender): Promise<Running | undefined> {
    const { log } = this.opts;
    const old = this.running.get(id);
    this.running.delete(id);
    if (old) await stop(old.child);

    const dir = join(this.opts.stateDir ?? join(tmpdir(), 'aiop-rag'), render.owner.namespace, render.owner.name);
    mkdirSync(dir, { recursive: true });
    const config = {
      ...render.config,
      server: { host: '127.0.0.1', port: 0 },
      store: render.config.store.kind === 'lancedb' ? { ...render.config.store, path: join(dir, 'lancedb') } : render.config.store,
    };
    const configPath = join(dir, 'rag.yaml');
    writeFileSync(configPath, stringify(config));
    const port = await freePort();
    const [cmd, ...args] = this.opts.command ?? defaultCommand();
    const child = spawn(cmd!, args, { env: { ...process.env, RAG_CONFIG: configPath, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    while (Date.now() < deadline && child.exitCode === null) {
      const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (up) {
        const documents = await this.ingest(url, render.owner.namespace, spec);
        const running: Running = { checksum: render.checksum, child, url, documents };
        this.running.set(id, running);
        log.info({ pipeline: id, url }, 'local RAG runtime started');
        return running;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    log.warn({ pipeline: id, exitCode: child.exitCode }, 'local RAG runtime did not become healthy');
    await stop(child);
    return undefined;
  }

  /** Push every readable source to the runtime; returns how many documents it indexed. */
  private async ingest(url: string, namespace: string, spec: RagPipelineSpec): Promise<number> {
    const docs: Record<string, unknown>[] = [];
    for (const s of spec.sources ?? []) {
      try {
        if (s.type === 'inline') docs.push(...(s.documents ?? []).map((d) => ({ ...d, source: s.name })));
        if (s.type === 'configMap' && s.configMap) {
          const cm = await this.opts.client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, s.configMap.name, namespace);
          for (const [key, text] of Object.entries(cm?.data ?? {})) {
            if (!s.configMap.key || s.configMap.key === key) docs.push({ id: `${s.configMap.name}/${key}`, title: key, text, source: s.name });
          }
        }
        if (s.type === 'url' && s.url) {
          const body = (await (await fetch(s.url, { signal: AbortSignal.timeout(10_000) })).json()) as unknown;
          docs.push(...documentsFromJson(body, s.name));
        }
        if (s.type === 'pvc') this.opts.log.warn({ source: s.name }, 'PVC sources are not readable in local-process mode; skipped');
      } catch (err) {
        this.opts.log.warn({ source: s.name, err: err instanceof Error ? err.message : String(err) }, 'source unreadable; skipped');
      }
    }
    if (docs.length === 0) return 0;
    const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documents: docs }) });
    const report = (await res.json()) as { indexedDocuments?: number };
    return report.indexedDocuments ?? 0;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
