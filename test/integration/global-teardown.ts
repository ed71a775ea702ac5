// Stops the control plane started by global-setup.ts (no-op when the run used INTEGRATION_KUBECONFIG).
export default async function globalTeardown(): Promise<void> {
  const controlPlane = globalThis.__higressAiControlPlane;
  globalThis.__higressAiControlPlane = undefined;
  await controlPlane?.stop();
}
