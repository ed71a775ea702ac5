// Helpers every integration test uses against the real kube-apiserver started by global-setup.ts.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { applyObjects } from '../../../hack/lib/control-plane-identity.js';
import { ADMIN_CONTEXT, OPERATOR_CONTEXT, UNPRIVILEGED_CONTEXT } from '../../../hack/lib/kubeconfig-contexts.js';
import { DEFAULT_RBAC_NAMES, rbacObjects } from '../../../src/rbac/render.js';
import type { KubeObject } from '../../../src/kube/object.js';

export { ADMIN_CONTEXT, OPERATOR_CONTEXT, UNPRIVILEGED_CONTEXT };

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

/**
 * The KubeConfig the operator under test uses: the operator's ServiceAccount, bound to exactly the generated RBAC
 * (src/rbac/table.ts), so every controller test also proves the RBAC is enough. Fixtures keep using the admin
 * `testKubeConfig()`. Against an INTEGRATION_KUBECONFIG without that context it is the admin (and proves nothing).
 */
export function operatorKubeConfig(): KubeConfig {
  const kc = testKubeConfig();
  return kc.getContexts().some((c) => c.name === OPERATOR_CONTEXT) ? testKubeConfig({ context: OPERATOR_CONTEXT }) : kc;
}

/** A kubeconfig file whose current context is the operator's ServiceAccount, for operator child processes. */
export function operatorKubeconfigPath(): string {
  const path = `${testKubeconfigPath()}.operator`;
  writeFileSync(path, operatorKubeConfig().exportConfig(), { mode: 0o600 });
  return path;
}

/**
 * A fresh namespace that serves as a Higress gateway namespace: the generated gateway Role is bound there to the
 * operator's ServiceAccount, as the chart does for `higress.namespace` (tests isolate gateways per test, so each
 * gets the grant a second Higress namespace would need).
 */
export async function gatewayNamespace(prefix: string, kc: KubeConfig = testKubeConfig()): Promise<string> {
  const name = await uniqueNamespace(prefix, kc);
  const grant = rbacObjects({ ...DEFAULT_RBAC_NAMES, higressNamespace: name }).filter((o) => o.metadata.namespace === name && o.kind !== 'ServiceAccount');
  await applyObjects(kc, grant);
  return name;
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

/** A PersistentVolumeClaim object, as a user creates one for a model volume (nothing binds it here: no storage runs). */
export function claimObject(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace },
    spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '1Gi' } } },
  } as KubeObject;
}
