// An operator that serves one gateway namespace (--higress-namespace-only) runs with namespaced rights for the
// gateway kinds: its ServiceAccount gets the RBAC rendered for that placement (src/rbac/render.ts), which cannot
// list Ingresses, WasmPlugins, McpBridges or EnvoyFilters cluster-wide — and a pool still becomes Ready, so the
// informers really list and watch only that namespace. A pool naming another gateway namespace says so.
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { provisionOperatorIdentity } from '../../hack/lib/control-plane-identity.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import { reasonOf } from '../../src/kube/errors.js';
import { Resources, customResource } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { HIGRESS_NAMESPACE_ONLY, type RbacNames } from '../../src/rbac/render.js';
import { createLogger } from '../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

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

const readyOf = (p: ModelPoolObject | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');
const pool = (name: string, ns: string, gw: string) =>
  ({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name, namespace: ns },
    spec: { gateway: { namespace: gw }, models: [{ name: 'm', provider: { type: 'vllm', endpoint: 'http://m.svc:8000/v1' } }] },
  }) as ModelPoolObject;

describe('operator scoped to its Higress namespace', () => {
  it('reconciles a pool with namespaced rights only, and names a gateway namespace it does not serve', async () => {
    const ns = await uniqueNamespace('nsonly-pool');
    const names: RbacNames = {
      name: `hao-nsonly-${randomBytes(3).toString('hex')}`,
      namespace: await uniqueNamespace('nsonly-op'),
      higressNamespace: await uniqueNamespace('nsonly-gw'),
    };
    clusterScoped.push(names.name);
    const gw = names.higressNamespace;
    const kc = await provisionOperatorIdentity(testKubeConfig(), { names, placement: HIGRESS_NAMESPACE_ONLY });

    // The identity really lacks cluster-wide reads of the gateway kinds, and has them in its namespace.
    const sa = KubeClient.fromKubeConfig(kc);
    for (const kind of [Resources.Ingress, Resources.WasmPlugin, Resources.McpBridge, Resources.EnvoyFilter]) {
      const outcome = await sa.list(kind).then(
        () => 'listed',
        (e: unknown) => reasonOf(e),
      );
      expect({ kind: kind.kind, outcome }).toEqual({ kind: kind.kind, outcome: 'Forbidden' });
      await expect(sa.list(kind, { namespace: gw })).resolves.toBeDefined();
    }

    operator = await startOperator({ kubeConfig: kc, gatewayNamespace: gw, resyncPeriodMs: 0, log: createLogger('operator', 'fatal') });
    await operator.synced;

    await admin.create(modelPoolResource, pool('served', ns, gw));
    await waitFor(
      async () => {
        const p = await admin.get<ModelPoolObject>(modelPoolResource, 'served', ns);
        const c = readyOf(p);
        return c?.status === 'True' && c.observedGeneration === p?.metadata.generation ? p : undefined;
      },
      { timeoutMs: 60_000, description: 'Ready=True with namespaced rights' },
    );
    expect((await admin.list(Resources.Ingress, { namespace: gw })).items.length).toBeGreaterThan(0);

    const elsewhere = await uniqueNamespace('nsonly-other-gw');
    await admin.create(modelPoolResource, pool('elsewhere', ns, elsewhere));
    const c = await waitFor(
      async () => {
        const p = await admin.get<ModelPoolObject>(modelPoolResource, 'elsewhere', ns);
        const ready = readyOf(p);
        return ready?.observedGeneration === p?.metadata.generation ? ready : undefined;
      },
      { timeoutMs: 30_000, description: 'a Ready condition on the pool of an unserved gateway namespace' },
    );
    expect(c).toMatchObject({ status: 'False', reason: 'GatewayNamespaceNotServed' });
    expect(c.message).toContain(`spec.gateway.namespace ${elsewhere}`);
    expect(c.message).toContain(gw);

    // Deletion still completes for both: the served pool's objects go, the other had none.
    await admin.delete(modelPoolResource, 'served', ns);
    await admin.delete(modelPoolResource, 'elsewhere', ns);
    await waitFor(async () => (await admin.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items.length === 0, {
      timeoutMs: 60_000,
      description: 'both pools deleted (finalizers released)',
    });
  }, 120_000);
});
