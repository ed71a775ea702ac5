import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { ownerId, type OwnerRef } from '../kube/owner.js';
import { ROUTER_CACHE_VERIFIER_VOLUME, type RouterRender } from '../reconcilers/semanticrouter.js';
import type { KubeClient } from '../kube/client.js';
import type { RouterEndpoints, RouterLocator } from './semanticrouter-runtime.js';
import { errorMessage } from '../util/errors.js';
import { localConfigMapData, localSecretEnv, LocalProcessSupervisor, stopChild, type LocalProcess } from './local-process.js';

/**
 * Local-process mode (demo, `ROUTER_LOCAL_PROCESS=1`), as RagPipeline's: the test API server has no nodes, so
 * Deployments never run pods. The operator runs each SemanticRouter's runtime as a child process on loopback
 * instead, restarting it when the rendered config changes (the same checksum that rolls the Deployment), so
 * the status loop reads a real router. With no gateway here, the router's upstream is `upstreamUrl` or, when
 * none is given, one model-matrix simulator child process shared by all routers (the pool's stand-in).
 *
 * What differs from the pod: API and admin ports on 127.0.0.1:0, the flywheel store and model versions under `stateDir`,
 * and the trainer checks for new records every 2 s instead of 30 s so a demo moves. Without a `stateDir`
 * each locator takes a fresh temporary directory and removes it when it stops: a fixed shared path let
 * every demo run (and every concurrent one) add to one SQLite flywheel, so a new demo started from
 * thousands of old records, its DATASET column did not start from zero and training on them stalled /status.
 */

interface Running extends LocalProcess {
  endpoints: RouterEndpoints;
}

export interface LocalRouterOptions {
  log: Logger;
  stateDir?: string;
  /** OpenAI base URL (with /v1) the routers send chosen models to; default: a simulator child process. */
  upstreamUrl?: string;
  /** Simulator time scale (1 = real latencies). */
  simulatorTimeScale?: number;
  startTimeoutMs?: number;
  /** Reads the ConfigMaps a pod would mount (spec.cache.verifier); without it they are absent, as an unmounted volume. */
  client?: KubeClient;
}

const here = dirname(fileURLToPath(import.meta.url));
const entry = (name: 'router' | 'simulator'): string[] =>
  import.meta.url.endsWith('.ts')
    ? [process.execPath, '--import', 'tsx', join(here, `../${name}/main.ts`)]
    : [process.execPath, join(here, `../${name}/main.js`)];

/** Starts `command` and resolves with the `url` (and `adminUrl`) of its first "listening" log line (it binds port 0). */
function startListening(command: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ child: ChildProcess; url: string; adminUrl?: string }> {
  const [cmd, ...args] = command;
  const child = spawn(cmd!, args, { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.at(-1)} did not start listening within ${timeoutMs} ms`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string; adminUrl?: string };
        if (parsed.url && parsed.msg?.endsWith('listening')) {
          clearTimeout(timer);
          resolve({ child, url: parsed.url, ...(parsed.adminUrl ? { adminUrl: parsed.adminUrl } : {}) });
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.at(-1)} exited with ${code} before listening`));
    });
  });
}

export class LocalRouterLocator implements RouterLocator {
  readonly replacesDeployment = true;
  private readonly processes = new LocalProcessSupervisor<Running>();
  private simulator: Promise<{ child: ChildProcess; url: string }> | undefined;
  /** The temporary state directory this locator made (removed by stopAll), when none was given. */
  private ownStateDir: string | undefined;

  constructor(private readonly opts: LocalRouterOptions) {}

  private stateRoot(): string {
    if (this.opts.stateDir) return this.opts.stateDir;
    this.ownStateDir ??= mkdtempSync(join(tmpdir(), 'aiop-router-'));
    return this.ownStateDir;
  }

  async endpointFor(render: RouterRender): Promise<RouterEndpoints | undefined> {
    const id = ownerId(render.owner);
    const running = await this.processes.ensure(id, render.checksum, () => this.start(id, render));
    if (running) await this.followVerifier(render);
    return running?.endpoints;
  }

  /** Where the running process of `owner` listens (tests and the demo read its admin port). */
  endpointsOf(owner: OwnerRef): RouterEndpoints | undefined {
    const r = this.processes.get(ownerId(owner));
    return r && r.child.exitCode === null ? r.endpoints : undefined;
  }

  /** The upstream the routers use (the simulator's URL in the demo). */
  async upstream(): Promise<string> {
    if (this.opts.upstreamUrl) return this.opts.upstreamUrl;
    this.simulator ??= startListening(
      [...entry('simulator'), '--port', '0', '--time-scale', String(this.opts.simulatorTimeScale ?? 0.01)],
      {},
      this.opts.startTimeoutMs ?? 60_000,
    );
    return `${(await this.simulator).url}/v1`;
  }

  release(owner: OwnerRef): Promise<void> {
    return this.processes.release(ownerId(owner));
  }

  async stopAll(): Promise<void> {
    await this.processes.stopAll();
    const sim = await this.simulator?.catch(() => undefined);
    if (sim) await stopChild(sim.child);
    if (this.ownStateDir) rmSync(this.ownStateDir, { recursive: true, force: true });
    this.ownStateDir = undefined;
  }

  private dirOf(render: RouterRender): string {
    return join(this.stateRoot(), render.owner.namespace, render.owner.name);
  }

  /**
   * The cache block with this machine's files where a pod has volumes: the encoder is this machine's
   * (hack/ensure-embedding-model.sh), and the verifier a file in the router's directory that followVerifier keeps
   * equal to the ConfigMap the Deployment mounts (absent, the router reports VerifierUnreadable, as in a pod).
   */
  private localCache(cache: NonNullable<RouterRender['config']['cache']>, render: RouterRender): typeof cache {
    const local = cache.embedding.kind === 'onnx' ? { ...cache, embedding: { kind: 'onnx' as const } } : { ...cache };
    return cache.verifierPath && verifierVolume(render) ? { ...local, verifierPath: join(this.dirOf(render), 'verifier.json') } : local;
  }

  /**
   * What the kubelet does for a mounted ConfigMap: its current text swapped into the file (write, then rename), so
   * the router, which follows its verifier file, takes a recalibrated verifier without a restart.
   */
  private async followVerifier(render: RouterRender): Promise<void> {
    const volume = verifierVolume(render);
    if (!volume || !this.opts.client || !render.config.cache?.verifierPath) return;
    const text = (await localConfigMapData(this.opts.client, this.opts.log, volume.name, render.owner.namespace, 'cache verifier'))[volume.key];
    const path = join(this.dirOf(render), 'verifier.json');
    if (text === undefined || (existsSync(path) && readFileSync(path, 'utf8') === text)) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.new`, text);
    renameSync(`${path}.new`, path);
  }

  private async start(id: string, render: RouterRender): Promise<Running | undefined> {
    const dir = this.dirOf(render);
    mkdirSync(dir, { recursive: true });
    await this.followVerifier(render);
    try {
      const upstream = await this.upstream();
      const c = render.config;
      const config = {
        ...c,
        listen: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        upstream: { ...c.upstream, baseUrl: upstream },
        store: c.store.kind === 'sqlite' ? { ...c.store, path: join(dir, 'flywheel.db') } : c.store,
        trainer: { ...c.trainer, modelDir: join(dir, 'models'), checkIntervalMs: 2000 },
        ...(c.cache ? { cache: this.localCache(c.cache, render) } : {}),
      };
      const configPath = join(dir, 'router.yaml');
      writeFileSync(configPath, stringify(config));
      const secrets = this.opts.client ? await localSecretEnv(this.opts.client, this.opts.log, render.deployment, render.owner.namespace) : {};
      const { child, url, adminUrl } = await startListening(entry('router'), { ...secrets, ROUTER_CONFIG: configPath }, this.opts.startTimeoutMs ?? 60_000);
      child.stdout?.resume();
      if (!adminUrl) {
        await stopChild(child);
        throw new Error('the router did not report its admin URL');
      }
      const running: Running = { checksum: render.checksum, child, endpoints: { api: `${url}/v1`, admin: adminUrl } };
      this.opts.log.info({ router: id, url, adminUrl, upstream }, 'local router started');
      return running;
    } catch (err) {
      this.opts.log.warn({ router: id, err: errorMessage(err) }, 'local router did not start');
      return undefined;
    }
  }
}

/** The ConfigMap and key of spec.cache.verifier, as the rendered Deployment mounts them. */
function verifierVolume(render: RouterRender): { name: string; key: string } | undefined {
  const volume = render.deployment.spec.template.spec.volumes?.find((v) => v.name === ROUTER_CACHE_VERIFIER_VOLUME)?.configMap;
  const key = volume?.items?.[0]?.key;
  return volume && key ? { name: volume.name, key } : undefined;
}
