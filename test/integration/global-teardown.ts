// Stops the control plane process started by global-setup.ts (no-op when the run used INTEGRATION_KUBECONFIG):
// closing its stdin makes it stop etcd + kube-apiserver and remove their data; SIGKILL if it hangs.
export default async function globalTeardown(): Promise<void> {
  const child = globalThis.__higressAiControlPlane;
  globalThis.__higressAiControlPlane = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
