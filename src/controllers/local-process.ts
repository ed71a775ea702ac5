import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import { errorMessage } from '../util/errors.js';

/**
 * The supervision both local-process modes share (RagPipeline, SemanticRouter): one child process per owner,
 * restarted when the rendered config's checksum changes (the checksum that rolls the Deployment), one start
 * at a time per owner however many reconciles ask at once. How a runtime is started and when it counts as
 * up (indexed RAG sources, a router's "listening" line) stays with each kind.
 */

export interface LocalProcess {
  /** Checksum of the config the process runs. */
  checksum: string;
  child: ChildProcess;
}

export class LocalProcessSupervisor<R extends LocalProcess> {
  private readonly running = new Map<string, R>();
  private readonly starting = new Map<string, Promise<R | undefined>>();

  /**
   * The process of `id` running `checksum`: the live one, the start already under way, or a new one from `start`
   * after the old one stopped. `start` resolves undefined when the process did not come up (it is then stopped).
   */
  async ensure(id: string, checksum: string, start: () => Promise<R | undefined>): Promise<R | undefined> {
    const current = this.running.get(id);
    if (current && current.checksum === checksum && current.child.exitCode === null) return current;
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.restart(id, start).finally(() => this.starting.delete(id));
      this.starting.set(id, pending);
    }
    return pending;
  }

  /** The last process started for `id`, alive or not. */
  get(id: string): R | undefined {
    return this.running.get(id);
  }

  async release(id: string): Promise<void> {
    const r = this.running.get(id);
    this.running.delete(id);
    if (r) await stopChild(r.child);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => stopChild(r.child)));
    this.running.clear();
  }

  private async restart(id: string, start: () => Promise<R | undefined>): Promise<R | undefined> {
    const old = this.running.get(id);
    this.running.delete(id);
    if (old) await stopChild(old.child);
    const started = await start();
    if (started) this.running.set(id, started);
    return started;
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
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

/**
 * What the kubelet would mount from a ConfigMap, for local-process mode: its data, or empty (logged) when it is
 * missing or unreadable, as a pod would start without an optional volume's files.
 */
export async function localConfigMapData(client: KubeClient, log: Logger, name: string, namespace: string, what: string): Promise<Record<string, string>> {
  try {
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, name, namespace);
    return cm?.data ?? {};
  } catch (err) {
    log.warn({ source: what, err: errorMessage(err) }, 'ConfigMap unreadable; skipped');
    return {};
  }
}

interface EnvVarLike {
  name: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/**
 * What the kubelet puts in a container's environment from Secrets (`env[].valueFrom.secretKeyRef` of the rendered
 * Deployment's first container), read for a local process. A missing Secret or key leaves the variable out (the
 * mount checks of ADR 0009 have kept the process from starting then). Values go into the child's environment
 * only, never into a log line.
 */
export async function localSecretEnv(client: KubeClient, log: Logger, deployment: KubeObject, namespace: string): Promise<Record<string, string>> {
  const containers = (deployment as { spec?: { template?: { spec?: { containers?: { env?: EnvVarLike[] }[] } } } }).spec?.template?.spec?.containers;
  const out: Record<string, string> = {};
  // One read per Secret: Milvus's user and password come from the same one.
  const secrets = new Map<string, Promise<(KubeObject & { data?: Record<string, string> }) | undefined>>();
  for (const e of containers?.[0]?.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    try {
      if (!secrets.has(ref.name)) secrets.set(ref.name, client.get(Resources.Secret, ref.name, namespace));
      const encoded = (await secrets.get(ref.name))?.data?.[ref.key];
      if (encoded !== undefined) out[e.name] = Buffer.from(encoded, 'base64').toString('utf8');
    } catch (err) {
      log.warn({ variable: e.name, secret: ref.name, err: errorMessage(err) }, 'Secret unreadable; variable left out');
    }
  }
  return out;
}
