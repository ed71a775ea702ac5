import { afterAll } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { provisionOperatorIdentity, type ProvisionOptions } from '../../../hack/lib/control-plane-identity.js';
import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';
import { KubeClient } from '../../../src/kube/client.js';
import { customResource } from '../../../src/kube/resources.js';
import { startOperator, type Operator, type OperatorOptions } from '../../../src/operator.js';
import type { RbacNames } from '../../../src/rbac/render.js';
import { testKubeConfig, uniqueNamespace } from './kube.js';

/**
 * An operator running as a ServiceAccount of its own with generated RBAC (rbac-forbidden, rbac-namespaced):
 * fresh names (ClusterRole/Binding `hao-<prefix>-<hex>`, namespaces `<prefix>-op`/`<prefix>-gw`), the identity
 * provisioned by the harness's admin, and — after the file — the operator stopped and its cluster-scoped
 * RBAC deleted (namespaces go with the run).
 */
export function scopedOperator(prefix: string) {
  const admin = KubeClient.fromKubeConfig(testKubeConfig());
  const clusterScoped: string[] = [];
  let operator: Operator | undefined;

  afterAll(async () => {
    await operator?.stop();
    for (const name of clusterScoped) {
      await admin.delete(customResource('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false), name);
      await admin.delete(customResource('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false), name);
    }
  });

  return {
    admin,
    /** New names and the identity for them, granted `opts.table` (default the real table) at `opts.placement`. */
    identity: async (opts: Omit<ProvisionOptions, 'names'> = {}): Promise<{ names: RbacNames; kubeConfig: KubeConfig }> => {
      const names: RbacNames = {
        name: `hao-${prefix}-${randomBytes(3).toString('hex')}`,
        namespace: await uniqueNamespace(`${prefix}-op`),
        higressNamespace: await uniqueNamespace(`${prefix}-gw`),
      };
      clusterScoped.push(names.name);
      return { names, kubeConfig: await provisionOperatorIdentity(testKubeConfig(), { names, ...opts }) };
    },
    /** Start the operator (stopped after the file, or when the next test starts its own) and wait for its caches. */
    start: async (opts: OperatorOptions): Promise<Operator> => {
      // One at a time: a second operator would reconcile the same pools under other RBAC, and one left running keeps jest from exiting.
      await operator?.stop();
      operator = await startOperator(opts);
      await operator.synced;
      return operator;
    },
  };
}

export const readyOf = (p: ModelPoolObject | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');

/** A one-model vLLM pool: no Secret, one route, the smallest pool that reaches Ready. */
export const vllmPool = (name: string, ns: string, gw: string) =>
  ({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name, namespace: ns },
    spec: { gateway: { namespace: gw }, models: [{ name: 'm', provider: { type: 'vllm', endpoint: 'http://m.svc:8000/v1' } }] },
  }) as ModelPoolObject;
