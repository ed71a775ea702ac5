import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { freeLoopbackPort } from '../util/free-port.js';
import type { RagPipelineSpec } from '../api/v1alpha1/ragpipeline.js';
import type { KubeClient } from '../kube/client.js';
import { ownerId, type OwnerRef } from '../kube/owner.js';
import { runtimeHealthSchema, type RagConfig, type RuntimeHealth } from '../rag/config.js';
import { EVAL_FILE, type RagRender } from '../reconcilers/ragpipeline.js';
import { localConfigMapData, localSecretEnv, LocalProcessSupervisor, stopChild, type LocalProcess } from './local-process.js';
import type { RagPipelineObject, RuntimeLocator } from './ragpipeline.js';

/**
 * Local-process mode (demo, `RAG_LOCAL_PROCESS=1`): the operator runs one RAG runtime per pipeline as a child
 * process on loopback instead of relying on pods, and restarts it when the rendered config changes (same
 * checksum as the Deployment's rollout annotation). The runtime gets the very document the ConfigMap holds,
 * with only local paths changed, and indexes its sources itself, as in a cluster: this shell plays the
 * kubelet by writing ConfigMap sources and the eval set where the Deployment would mount them. PVC sources
 * cannot be read from outside the cluster and are left out with a log line.
 */

interface Running extends LocalProcess {
  url: string;
  documents: number;
}

export interface LocalProcessOptions {
  client: KubeClient;
  log: Logger;
  /** Where per-pipeline config files and LanceDB data go. */
  stateDir?: string;
  /** Command that starts the runtime (the document's path in RAG_CONFIG). */
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

export class LocalProcessLocator implements RuntimeLocator {
  readonly replacesDeployment = true;
  private readonly processes = new LocalProcessSupervisor<Running>();

  constructor(private readonly opts: LocalProcessOptions) {}

  async endpointFor(pipeline: RagPipelineObject, render: RagRender): Promise<string | undefined> {
    const id = ownerId(render.owner);
    const started = await this.processes.ensure(id, render.checksum, () => this.start(id, pipeline.spec, render));
    return started ? `${started.url}/mcp` : undefined;
  }

  documentsIndexed(owner: OwnerRef): number | undefined {
    return this.processes.get(ownerId(owner))?.documents;
  }

  release(owner: OwnerRef): Promise<void> {
    return this.processes.release(ownerId(owner));
  }

  stopAll(): Promise<void> {
    return this.processes.stopAll();
  }

  private async start(id: string, spec: RagPipelineSpec, render: RagRender): Promise<Running | undefined> {
    const { log } = this.opts;

    const dir = join(this.opts.stateDir ?? join(tmpdir(), 'aiop-rag'), render.owner.namespace, render.owner.name);
    await mkdir(dir, { recursive: true });
    const port = await freeLoopbackPort();
    const configPath = join(dir, 'rag.yaml');
    await writeFile(configPath, stringify(await this.localDocument(dir, port, render.owner.namespace, spec, render.config)));
    const [cmd, ...args] = this.opts.command ?? defaultCommand();
    const secrets = await localSecretEnv(this.opts.client, log, render.deployment, render.owner.namespace);
    const child = spawn(cmd!, args, { env: { ...process.env, ...secrets, RAG_CONFIG: configPath }, stdio: ['ignore', 'ignore', 'inherit'] });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    while (Date.now() < deadline && child.exitCode === null) {
      // Started means indexed: the runtime reports lastIndexedTime once its sources are in.
      const health = await readHealth(url);
      if (health?.lastIndexedTime !== undefined) {
        const running: Running = { checksum: render.checksum, child, url, documents: health.documents ?? 0 };
        log.info({ pipeline: id, url, documents: running.documents }, 'local RAG runtime started');
        return running;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    log.warn({ pipeline: id, exitCode: child.exitCode }, 'local RAG runtime did not become healthy');
    await stopChild(child);
    return undefined;
  }

  /**
   * The rendered document with local paths: loopback port, store and mounts under `dir`. ConfigMap sources
   * and the eval set are written to files the way the kubelet projects ConfigMap keys.
   */
  private async localDocument(dir: string, port: number, namespace: string, spec: RagPipelineSpec, config: RagConfig): Promise<RagConfig> {
    const mountRoot = join(dir, 'sources');
    await rm(mountRoot, { recursive: true, force: true });
    const items = [];
    for (const s of config.sources.items) {
      if (s.type === 'pvc') {
        this.opts.log.warn({ source: s.name }, 'PVC sources are not readable in local-process mode; skipped');
        continue;
      }
      if (s.type === 'configMap') {
        const data = await localConfigMapData(this.opts.client, this.opts.log, s.configMap.name, namespace, s.name);
        for (const [key, text] of Object.entries(data)) {
          if (!s.configMap.key || s.configMap.key === key) await writeFileIn(join(mountRoot, s.name), key, text);
        }
      }
      items.push(s);
    }
    let evalDoc = config.eval;
    if (spec.eval) {
      const text = (await localConfigMapData(this.opts.client, this.opts.log, spec.eval.configMap.name, namespace, 'eval'))[spec.eval.configMap.key];
      evalDoc = text === undefined ? undefined : { path: await writeFileIn(join(dir, 'eval'), EVAL_FILE, text) };
    }
    return {
      ...config,
      server: { host: '127.0.0.1', port },
      store: config.store.kind === 'lancedb' ? { ...config.store, path: join(dir, 'lancedb') } : config.store,
      // No volumes here: an encoder's files are this machine's (hack/ensure-embedding-model.sh).
      ...(config.embedding.kind === 'onnx' ? { embedding: { ...config.embedding, modelDir: undefined } } : {}),
      sources: { mountRoot, items },
      ...(evalDoc ? { eval: evalDoc } : { eval: undefined }),
    };
  }
}

async function writeFileIn(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function readHealth(url: string): Promise<RuntimeHealth | undefined> {
  try {
    const res = await fetch(`${url}/healthz`);
    const parsed = res.ok ? runtimeHealthSchema.safeParse(await res.json()) : undefined;
    return parsed?.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
