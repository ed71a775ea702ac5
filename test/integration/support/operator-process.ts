// The operator as a real process (src/main.ts under tsx), for tests that kill it, run two of it, or read
// its probes and metrics over HTTP as the kubelet and Prometheus do. The one way tests start it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../../src/util/free-port.js';
import { testKubeconfigPath } from './kube.js';

const ROOT = join(import.meta.dirname, '../../..');

export interface OperatorProcess {
  proc: ChildProcess;
  name: string;
  healthUrl: string;
  metricsUrl: string;
  /** Everything the process wrote to stdout and stderr (its JSON logs). */
  output(): string;
  /** GET a probe; undefined when the process does not answer. */
  probe(path: '/healthz' | '/readyz'): Promise<{ status: number; body: string } | undefined>;
  /** Write requests this process sent to the API server, excluding its own Lease (from /metrics). */
  writes(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited(): boolean;
}

export interface OperatorProcessOptions {
  name: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
  /** Defaults to the test's admin kubeconfig; operatorKubeconfigPath() runs it as its ServiceAccount. */
  kubeconfig?: string;
}

/** Parse `higress_ai_operator_kube_requests_total{...write="true"...} N` lines, leases excluded. Pure. */
export function countWrites(metricsText: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('higress_ai_operator_kube_requests_total{') || !line.includes('write="true"')) continue;
    if (line.includes('leases')) continue; // campaigning for the Lease is the one write a standby makes
    total += Number(line.split(' ').pop());
  }
  return total;
}

export async function startOperatorProcess(opts: OperatorProcessOptions): Promise<OperatorProcess> {
  const healthPort = await freeLoopbackPort();
  const metricsPort = await freeLoopbackPort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: opts.kubeconfig ?? testKubeconfigPath(),
    LOG_LEVEL: opts.logLevel ?? 'info',
    POD_NAME: opts.name,
    ...opts.env,
  };
  delete env.NODE_OPTIONS; // jest's VM-modules flag is not for the operator
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'operator', `--health-port=${healthPort}`, `--metrics-port=${metricsPort}`, ...(opts.args ?? [])],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    name: opts.name,
    healthUrl,
    metricsUrl,
    output: () => chunks.join(''),
    exited,
    probe: async (path) => {
      try {
        const res = await fetch(healthUrl + path, { signal: AbortSignal.timeout(2000) });
        return { status: res.status, body: await res.text() };
      } catch {
        return undefined;
      }
    },
    writes: async () => countWrites(await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text()),
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}
