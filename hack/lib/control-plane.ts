import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ensureControlPlaneBinaries, type ControlPlaneVersions } from './control-plane-binaries.js';
import { defaultCrdFiles, installCrds } from './crds.js';
import { freeLoopbackPort } from '../../src/util/free-port.js';
import { addOperatorContext, provisionOperatorIdentity } from './control-plane-identity.js';
import { ADMIN_CONTEXT, UNPRIVILEGED_CONTEXT } from './kubeconfig-contexts.js';
import { ManagedProcess } from './managed-process.js';
import { ReasonError } from '../../src/util/errors.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../../src/higress/namespace.js';

export { installCrds, defaultCrdFiles } from './crds.js';

export { ADMIN_CONTEXT, OPERATOR_CONTEXT, UNPRIVILEGED_CONTEXT } from './kubeconfig-contexts.js';

export interface StartControlPlaneOptions {
  /** Where etcd data, certificates, keys, logs and the kubeconfig go. Given ⇒ kept on stop; omitted ⇒ a temp dir removed on stop. */
  dataDir?: string;
  /** Progress lines (binary build, start, CRD install). Default: silent. */
  log?: (line: string) => void;
  /** CRD files to install once ready. Default: `crds/*.yaml` + `hack/higress-crds/*.yaml`. */
  crdFiles?: string[];
  /** Namespaces to create once ready. Default: `['higress-system']`, which every Higress install has. */
  namespaces?: string[];
  /** Deadline for etcd + kube-apiserver to become ready (a cold machine can be slow). Default 120 s. */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags (appended, so they win over the defaults), e.g. `--max-requests-inflight=800`. */
  apiserverArgs?: string[];
}

export interface ControlPlane {
  /**
   * kubeconfig with contexts `admin` (current; group system:masters), `unprivileged`, and `operator` (the operator's
   * ServiceAccount token, bound to the generated RBAC of src/rbac/table.ts).
   */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  etcdEndpoint: string;
  dataDir: string;
  versions: ControlPlaneVersions;
  /** Process ids (each also its process-group id), e.g. for memory readings in benchmarks. */
  pids: { etcd: number; kubeApiserver: number };
  /** Stops kube-apiserver then etcd (whole process groups) and removes the data dir if the harness created it. Idempotent. */
  stop(): Promise<void>;
}

interface Credentials {
  adminToken: string;
  unprivilegedToken: string;
}

const SERVICE_CIDR = '10.0.0.0/24';
const START_ATTEMPTS = 3;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** GET a loopback URL; resolves to the status code and body, never rejects (connection errors ⇒ status 0). */
function probe(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const getter = url.startsWith('https:') ? httpsGet : httpGet;
    // Probes are anonymous (kube-apiserver lets system:unauthenticated read /readyz), so an unverified TLS
    // connection to our own loopback child leaks nothing.
    const req = getter(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** A control-plane process that exited or never became ready; `PortInUse` is worth another attempt. */
class StartError extends ReasonError<'ProcessExited' | 'PortInUse' | 'NotReady'> {
  get retryable(): boolean {
    return this.reason === 'PortInUse';
  }
}

async function waitUntilReady(proc: ManagedProcess, url: string, isReady: (r: { status: number; body: string }) => boolean, deadline: number): Promise<void> {
  let last = { status: 0, body: '' };
  while (Date.now() < deadline) {
    if (!proc.running) {
      const exit = await proc.exited;
      const tail = await proc.tail();
      throw new StartError(
        /address already in use/i.test(tail) ? 'PortInUse' : 'ProcessExited',
        `${proc.name} exited during start (code ${exit.code}, signal ${exit.signal}); last output:\n${tail}`,
      );
    }
    last = await probe(url);
    if (isReady(last)) return;
    await delay(100);
  }
  throw new StartError(
    'NotReady',
    `${proc.name} not ready at ${url} before the deadline (last status ${last.status}: ${last.body.slice(0, 500)}); last output:\n${await proc.tail()}`,
  );
}

function kubeconfigYaml(server: string, caPem: string, creds: Credentials): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'harness', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [
      { name: ADMIN_CONTEXT, user: { token: creds.adminToken } },
      { name: UNPRIVILEGED_CONTEXT, user: { token: creds.unprivilegedToken } },
    ],
    contexts: [
      { name: ADMIN_CONTEXT, context: { cluster: 'harness', user: ADMIN_CONTEXT } },
      { name: UNPRIVILEGED_CONTEXT, context: { cluster: 'harness', user: UNPRIVILEGED_CONTEXT } },
    ],
    'current-context': ADMIN_CONTEXT,
  });
}

/**
 * If the Node process that started the control plane dies without calling stop() (jest killed, Ctrl-C twice),
 * a tiny shell loop notices within a second and kills both servers, so no orphaned apiserver keeps eating RAM.
 */
function startWatchdog(pids: number[], removeDir: string | undefined): number | undefined {
  const script = [
    'while kill -0 "$PARENT_PID" 2>/dev/null; do sleep 1; done',
    'for p in $GROUPS_TO_KILL; do kill -KILL -"$p" 2>/dev/null; done',
    'if [ -n "$REMOVE_DIR" ]; then rm -rf "$REMOVE_DIR"; fi',
  ].join('\n');
  const child = spawn('sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, PARENT_PID: String(process.pid), GROUPS_TO_KILL: pids.join(' '), REMOVE_DIR: removeDir ?? '' },
  });
  child.unref();
  return child.pid;
}

async function createNamespaces(kubeconfigPath: string, names: string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) {
    try {
      await core.createNamespace({ body: { metadata: { name } } });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}

async function startOnce(dataDir: string, ownsDataDir: boolean, opts: StartControlPlaneOptions, log: (line: string) => void): Promise<ControlPlane> {
  const binaries = await ensureControlPlaneBinaries(log);
  // The clock starts after the (possibly minutes-long, first-run-only) build.
  const started = Date.now();
  const deadline = started + (opts.startTimeoutMs ?? 120_000);

  const pkiDir = join(dataDir, 'pki');
  await mkdir(pkiDir, { recursive: true });
  const creds: Credentials = {
    adminToken: randomBytes(24).toString('hex'),
    unprivilegedToken: randomBytes(24).toString('hex'),
  };
  const tokenFile = join(dataDir, 'tokens.csv');
  await writeFile(
    tokenFile,
    `${creds.adminToken},harness-admin,harness-admin,"system:masters"\n${creds.unprivilegedToken},harness-unprivileged,harness-unprivileged\n`,
    { mode: 0o600 },
  );
  // EC keys: generated in milliseconds, unlike RSA, and accepted for ES256 service-account tokens.
  const saKeys = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
  });
  const saPublic = join(pkiDir, 'sa.pub');
  const saPrivate = join(pkiDir, 'sa.key');
  await writeFile(saPublic, saKeys.publicKey);
  await writeFile(saPrivate, saKeys.privateKey, { mode: 0o600 });

  const [etcdClientPort, etcdPeerPort, apiPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const etcdEndpoint = `http://127.0.0.1:${etcdClientPort}`;
  const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;

  const etcd = new ManagedProcess(
    'etcd',
    binaries.etcd,
    [
      '--name=harness',
      `--data-dir=${join(dataDir, 'etcd')}`,
      `--listen-client-urls=${etcdEndpoint}`,
      `--advertise-client-urls=${etcdEndpoint}`,
      `--listen-peer-urls=${etcdPeer}`,
      `--initial-advertise-peer-urls=${etcdPeer}`,
      `--initial-cluster=harness=${etcdPeer}`,
      // Test data is thrown away; fsync per write would make every apiserver write pay disk latency.
      '--unsafe-no-fsync',
      // A single member has no peers to lose; the default 1 s election timeout only delays the first leader.
      '--heartbeat-interval=10',
      '--election-timeout=100',
      '--log-level=warn',
    ],
    join(dataDir, 'etcd.log'),
  );
  const processes: ManagedProcess[] = [etcd];
  let watchdogPid: number | undefined;
  const stopAll = async (): Promise<void> => {
    if (watchdogPid !== undefined) {
      try {
        process.kill(-watchdogPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const proc of [...processes].reverse()) await proc.stop();
  };

  try {
    await waitUntilReady(etcd, `${etcdEndpoint}/health`, (r) => r.status === 200 && r.body.includes('"health":"true"'), deadline);
    log(`etcd ready on ${etcdEndpoint} after ${Date.now() - started} ms`);

    const certDir = join(pkiDir, 'serving');
    const apiserver = new ManagedProcess(
      'kube-apiserver',
      binaries.kubeApiserver,
      [
        `--etcd-servers=${etcdEndpoint}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        // Self-signed serving cert + CA written here on start; 127.0.0.1 is in its SANs via --advertise-address.
        `--cert-dir=${certDir}`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${tokenFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${saPublic}`,
        `--service-account-signing-key-file=${saPrivate}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        // The default "lease" reconciler would try to publish 127.0.0.1 as the kubernetes Service endpoint,
        // which endpoint validation rejects (loopback) and logs forever.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        // As on OpenShift and hardened clusters: setting blockOwnerDeletion needs `update` on the owner's
        // finalizers subresource, so the operator's generated RBAC is proven against it.
        '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
        ...(opts.apiserverArgs ?? []),
      ],
      join(dataDir, 'kube-apiserver.log'),
    );
    processes.push(apiserver);
    // From here on a dying parent (even mid-start) takes both servers with it.
    watchdogPid = startWatchdog(
      processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
      ownsDataDir ? dataDir : undefined,
    );
    const server = `https://127.0.0.1:${apiPort}`;
    await waitUntilReady(apiserver, `${server}/readyz`, (r) => r.status === 200, deadline);
    log(`kube-apiserver ready on ${server} after ${Date.now() - started} ms`);

    const caPem = await readFile(join(certDir, 'apiserver.crt'), 'utf8');
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caPem, creds), { mode: 0o600 });

    let stopped: Promise<void> | undefined;
    const controlPlane: ControlPlane = {
      kubeconfigPath,
      server,
      etcdEndpoint,
      dataDir,
      versions: binaries.versions,
      pids: { etcd: etcd.pid ?? -1, kubeApiserver: apiserver.pid ?? -1 },
      stop: () => {
        stopped ??= (async () => {
          await stopAll();
          if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };

    try {
      await createNamespaces(kubeconfigPath, opts.namespaces ?? [DEFAULT_HIGRESS_NAMESPACE]);
      const files = opts.crdFiles ?? (await defaultCrdFiles());
      const names = await installCrds(kubeconfigPath, files, { timeoutMs: Math.max(10_000, deadline - Date.now()), log });
      log(`installed ${names.length} CRDs; control plane ready after ${Date.now() - started} ms`);
      const admin = new KubeConfig();
      admin.loadFromFile(kubeconfigPath);
      await addOperatorContext(kubeconfigPath, await provisionOperatorIdentity(admin));
      log('operator ServiceAccount and generated RBAC applied (context "operator")');
    } catch (error) {
      await controlPlane.stop();
      throw error;
    }
    return controlPlane;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts etcd + kube-apiserver (RBAC on, admin + unprivileged token users) on free loopback ports, writes a
 * kubeconfig, installs our CRDs plus the Higress CRD fixtures, and the operator's ServiceAccount with the
 * generated RBAC (kubeconfig context `operator`). Rejects with the failing process's output
 * tail if either dies during start.
 */
export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const ownsDataDir = opts.dataDir === undefined;
  for (let attempt = 1; ; attempt++) {
    const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'higress-ai-cp-')));
    await mkdir(dataDir, { recursive: true });
    try {
      return await startOnce(dataDir, ownsDataDir, opts, log);
    } catch (error) {
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      // Free ports are picked then released; another process can grab one in between.
      if (error instanceof StartError && error.retryable && attempt < START_ATTEMPTS) {
        log(`control plane start failed on a port race, retrying (${attempt}/${START_ATTEMPTS})`);
        continue;
      }
      throw error;
    }
  }
}
