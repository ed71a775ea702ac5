import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSIONS_FILE = join(REPO_ROOT, 'hack', 'control-plane', 'versions.env');
const ENSURE_SCRIPT = join(REPO_ROOT, 'hack', 'ensure-control-plane.sh');

export interface ControlPlaneVersions {
  kube: string;
  etcd: string;
}

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  versions: ControlPlaneVersions;
}

export function parseVersionsEnv(text: string): ControlPlaneVersions {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) values.set(match[1], match[2]);
  }
  const kube = values.get('KUBE_VERSION');
  const etcd = values.get('ETCD_VERSION');
  if (!kube || !etcd) throw new Error(`${VERSIONS_FILE} must define KUBE_VERSION and ETCD_VERSION`);
  return { kube, etcd };
}

export async function readControlPlaneVersions(): Promise<ControlPlaneVersions> {
  return parseVersionsEnv(await readFile(VERSIONS_FILE, 'utf8'));
}

/** Same directory scheme as hack/ensure-control-plane.sh. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(env.HOME ?? homedir(), '.cache'), 'higress-ai-operator');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runEnsureScript(log: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [ENSURE_SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        log(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`hack/ensure-control-plane.sh exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

/**
 * Locates the pinned etcd and kube-apiserver. ETCD_BIN / KUBE_APISERVER_BIN override the cache (for people who
 * bring their own binaries). Missing cached binaries are built by hack/ensure-control-plane.sh, which is a no-op
 * (a second or so) when they are already there, so callers always go through here.
 */
export async function ensureControlPlaneBinaries(log: (line: string) => void = () => {}): Promise<ControlPlaneBinaries> {
  const versions = await readControlPlaneVersions();
  const root = cacheRoot();
  const etcd = process.env.ETCD_BIN ?? join(root, `etcd-${versions.etcd}`, 'etcd');
  const kubeApiserver = process.env.KUBE_APISERVER_BIN ?? join(root, `kube-apiserver-${versions.kube}`, 'kube-apiserver');
  const overridden = process.env.ETCD_BIN !== undefined && process.env.KUBE_APISERVER_BIN !== undefined;
  if (!overridden) await runEnsureScript(log);
  for (const bin of [etcd, kubeApiserver]) {
    if (!(await isExecutable(bin))) throw new Error(`control-plane binary ${bin} is missing or not executable`);
  }
  return { etcd, kubeApiserver, versions };
}
