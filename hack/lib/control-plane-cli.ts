// Runs the harness control plane as a process of its own:
//   npx tsx hack/lib/control-plane-cli.ts            start, print kubeconfig + numbers, run until Ctrl-C
//   npx tsx hack/lib/control-plane-cli.ts --once     start, print start-to-ready time and memory, stop
//   ... --serve-stdin                                  for jest global setup: one JSON line on stdout when ready,
//                                                      stop when stdin closes (the parent exited or let go)
//   ... --install-crds <kubeconfig>                    only install/refresh our CRDs + Higress fixtures there
// Jest loads global setup as CommonJS, while the harness and @kubernetes/client-node are ESM-only, so the jest
// side talks to this process instead of importing the harness.
import { readFile } from 'node:fs/promises';
import { defaultCrdFiles, installCrds, startControlPlane } from './control-plane.js';

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : Number.NaN;
}

const args = process.argv.slice(2);
const serveStdin = args.includes('--serve-stdin');
const verbose = !serveStdin || process.env.HARNESS_VERBOSE !== undefined;
// A first-run build takes minutes; say so even when quiet, or a silent jest setup looks hung.
const buildNews = /ensure-control-plane: (building|built|.*failed)/;
const log = (line: string): void => {
  if (verbose || buildNews.test(line)) process.stderr.write(`[control-plane] ${line}\n`);
};

async function main(): Promise<void> {
  const installIndex = args.indexOf('--install-crds');
  if (installIndex >= 0) {
    const kubeconfig = args[installIndex + 1];
    if (!kubeconfig) throw new Error('--install-crds needs a kubeconfig path');
    const names = await installCrds(kubeconfig, await defaultCrdFiles(), { log });
    process.stdout.write(`${JSON.stringify({ installed: names })}\n`);
    return;
  }

  const started = Date.now();
  const controlPlane = await startControlPlane({ log });
  const startToReadyMs = Date.now() - started;
  const etcdMb = await rssMb(controlPlane.pids.etcd);
  const apiserverMb = await rssMb(controlPlane.pids.kubeApiserver);
  const summary = {
    kubeconfig: controlPlane.kubeconfigPath,
    server: controlPlane.server,
    versions: controlPlane.versions,
    startToReadyMs,
    rssMb: { etcd: etcdMb, kubeApiserver: apiserverMb, total: etcdMb + apiserverMb },
  };
  process.stdout.write(serveStdin ? `${JSON.stringify(summary)}\n` : `${JSON.stringify(summary, null, 2)}\n`);

  if (args.includes('--once')) {
    await controlPlane.stop();
    return;
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void controlPlane.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  if (serveStdin) {
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
  } else {
    process.stderr.write(`export KUBECONFIG=${controlPlane.kubeconfigPath}   # Ctrl-C stops the control plane\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`control plane failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
