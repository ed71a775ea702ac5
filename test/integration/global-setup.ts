// Starts one real etcd + kube-apiserver for the whole integration run and hands its kubeconfig to the test
// workers through KUBECONFIG (workers are forked after global setup, so they inherit it).
// INTEGRATION_KUBECONFIG=<path> runs the suite against an existing cluster instead (CRDs are still refreshed).
//
// Jest loads this file as CommonJS without moduleNameMapper, while the harness and @kubernetes/client-node are
// ESM-only, so the control plane runs in a tsx child process (hack/lib/control-plane-cli.ts) and this file
// imports only Node built-ins. The child stops when its stdin closes, so even a killed jest leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

declare global {
  // Shared with global-teardown.ts: jest runs both hooks in the parent process.
  var __higressAiControlPlane: ChildProcess | undefined;
}

interface ReadySummary {
  kubeconfig: string;
  server: string;
  versions: { kube: string; etcd: string };
  startToReadyMs: number;
}

function runHarnessCli(rootDir: string, args: string[]): { child: ChildProcess; firstLine: Promise<string> } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the harness process
  const child = spawn(
    process.execPath,
    [join(rootDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(rootDir, 'hack', 'lib', 'control-plane-cli.ts'), ...args],
    {
      cwd: rootDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const stderrTail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (process.env.HARNESS_VERBOSE || chunk.includes('ensure-control-plane: build')) process.stderr.write(chunk);
    stderrTail.push(chunk);
    if (stderrTail.length > 50) stderrTail.shift();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      reject(new Error(`control plane process exited (code ${code}, signal ${signal}) before it was ready:\n${stderrTail.join('').slice(-4000)}`));
    });
  });
  return { child, firstLine };
}

export default async function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): Promise<void> {
  const existing = process.env.INTEGRATION_KUBECONFIG;
  if (existing) {
    const { child, firstLine } = runHarnessCli(projectConfig.rootDir, ['--install-crds', existing]);
    child.stdin?.end();
    await firstLine;
    process.env.KUBECONFIG = existing;
    return;
  }
  const { child, firstLine } = runHarnessCli(projectConfig.rootDir, ['--serve-stdin']);
  globalThis.__higressAiControlPlane = child;
  const summary = JSON.parse(await firstLine) as ReadySummary;
  process.env.KUBECONFIG = summary.kubeconfig;
  process.stderr.write(
    `\n[control-plane] kube-apiserver ${summary.versions.kube} + etcd ${summary.versions.etcd} ready at ${summary.server} in ${summary.startToReadyMs} ms\n`,
  );
}
