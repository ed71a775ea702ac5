// Starts one real etcd + kube-apiserver for the whole integration run (binaries built once by
// hack/ensure-control-plane.sh) and hands its kubeconfig to the test workers through KUBECONFIG, which jest
// workers inherit because they are forked after global setup. INTEGRATION_KUBECONFIG=<path> runs the suite
// against an existing cluster instead (CRDs are still installed/refreshed there).
import { defaultCrdFiles, installCrds, startControlPlane, type ControlPlane } from '../../hack/lib/control-plane.js';

declare global {
  // Shared with global-teardown.ts: jest runs both hooks in the same context of the parent process.
  var __higressAiControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const log = (line: string): void => {
    if (process.env.HARNESS_VERBOSE) process.stderr.write(`[control-plane] ${line}\n`);
  };
  const existing = process.env.INTEGRATION_KUBECONFIG;
  if (existing) {
    await installCrds(existing, await defaultCrdFiles(), { log });
    process.env.KUBECONFIG = existing;
    return;
  }
  const started = Date.now();
  const controlPlane = await startControlPlane({ log });
  globalThis.__higressAiControlPlane = controlPlane;
  process.env.KUBECONFIG = controlPlane.kubeconfigPath;
  process.stderr.write(`\n[control-plane] kube-apiserver ${controlPlane.versions.kube} + etcd ${controlPlane.versions.etcd} ready at ${controlPlane.server} in ${Date.now() - started} ms\n`);
}
