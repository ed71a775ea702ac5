// Deleting ModelPools (ADR 0008: no finalizer holds them): the pools go at once, their routes and shared entries
// follow, each route object is deleted once and each pool read once to confirm it is gone.
import { suiteOperator } from './support/suite-operator.js';
import { expect, it } from '@jest/globals';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { globalRequestStats, KubeClient } from '../../src/kube/client.js';
import type { McpBridge } from '../../src/kube/mcpbridge.js';
import { Resources } from '../../src/kube/resources.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { twoModelPool } from './support/pools.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
suiteOperator();

it('deletes ten pools: routes and registries follow, each route object deleted once, each pool read once', async () => {
  const ns = await uniqueNamespace('delete-pools');
  const gw = await gatewayNamespace('delete-gw');
  await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-x' } });
  const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
  for (const n of names) await client.create(modelPoolResource, twoModelPool(n, ns, gw));
  await waitFor(
    async () =>
      (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items.every((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ),
    { timeoutMs: 60_000, description: 'all pools Ready' },
  );
  expect((await client.list(Resources.Ingress, { namespace: gw })).items).toHaveLength(20);

  // Counted in this test's namespaces only: the operators of other test files share the API server and act on theirs.
  const counts = () => ({ gw: globalRequestStats.snapshotIn(gw), ns: globalRequestStats.snapshotIn(ns) });
  const before = counts();
  for (const n of names) await client.delete(modelPoolResource, n, ns);
  expect((await client.list(modelPoolResource, { namespace: ns })).items).toEqual([]); // gone at once
  await waitFor(
    async () =>
      (await client.list(Resources.Ingress, { namespace: gw })).items.length === 0 &&
      ((await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries ?? []).length === 0,
    { timeoutMs: 30_000, description: 'routes and registries removed' },
  );
  await new Promise((r) => setTimeout(r, 1000)); // the last delete events, and whatever they bring back
  const after = counts();
  const delta = (where: 'gw' | 'ns', k: string) => (after[where][k] ?? 0) - (before[where][k] ?? 0);
  expect(delta('gw', 'delete configmaps')).toBe(20);
  expect(delta('gw', 'delete networking.k8s.io/ingresses')).toBe(20);
  expect(delta('ns', 'get ai.higress.io/modelpools')).toBeLessThanOrEqual(10);
  expect((await client.list(Resources.ConfigMap, { namespace: gw, labelSelector: 'higress.io/config-map-type=ai-route' })).items).toEqual([]);
});
