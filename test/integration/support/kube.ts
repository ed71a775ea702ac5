// Helpers every integration test uses against the real kube-apiserver started by global-setup.ts.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ADMIN_CONTEXT, UNPRIVILEGED_CONTEXT } from '../../../hack/lib/kubeconfig-contexts.js';

export { ADMIN_CONTEXT, UNPRIVILEGED_CONTEXT };

/** Path of the kubeconfig global setup wrote (or INTEGRATION_KUBECONFIG). */
export function testKubeconfigPath(): string {
  const path = process.env.KUBECONFIG;
  if (!path) {
    throw new Error('KUBECONFIG is not set: integration tests must run in the jest "integration" project, whose global setup starts the control plane');
  }
  return path;
}

/**
 * A KubeConfig for the test cluster. Default context is the admin (system:masters); pass
 * `{ context: UNPRIVILEGED_CONTEXT }` for an authenticated user RBAC grants nothing to.
 */
export function testKubeConfig(opts: { context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  if (opts.context) kc.setCurrentContext(opts.context);
  return kc;
}

/** DNS-1123 label: lowercase alphanumerics and '-', at most 63 chars, alphanumeric at both ends. */
export function uniqueNamespaceName(prefix: string): string {
  const suffix = randomBytes(4).toString('hex');
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/g, '');
  return cleaned.length > 0 ? `${cleaned}-${suffix}` : `t-${suffix}`;
}

/**
 * Creates a fresh namespace and returns its name. There is no kube-controller-manager in the harness, so a
 * deleted namespace stays Terminating forever: tests isolate by using a new namespace rather than cleaning one.
 */
export async function uniqueNamespace(prefix: string, kc: KubeConfig = testKubeConfig()): Promise<string> {
  const name = uniqueNamespaceName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

export interface WaitForOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number;
  /** Says what was awaited in the timeout error. */
  description?: string;
}

/**
 * Polls `fn` until it returns something other than undefined/null/false and returns that value. A throw counts
 * as "not yet"; on timeout the error names what was awaited and includes the last thrown error or value.
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = opts.description ?? 'condition';
      const detail = lastError !== undefined ? `last error: ${describe(lastError)}` : `last value: ${String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
