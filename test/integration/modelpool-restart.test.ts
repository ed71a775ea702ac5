// The operator as a real process, killed with SIGKILL in the middle of reconciling and started again:
// it must converge with no duplicate registries, rules or routes, and finish work that arrived while it was down.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import type { McpBridge } from '../../src/kube/mcpbridge.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources } from '../../src/kube/resources.js';
import { gatewayNamespace, operatorKubeconfigPath, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator-process.js';
import { twoModelPool } from './support/pools.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
let child: OperatorProcess | undefined;

// As the operator's ServiceAccount, the way it runs when deployed.
const startOperator = () =>
  startOperatorProcess({ name: 'restart-pool', args: ['--no-leader-elect'], logLevel: 'error', kubeconfig: operatorKubeconfigPath() });

afterEach(async () => {
  await child?.kill('SIGTERM');
  child = undefined;
});

interface WasmPluginObj extends KubeObject {
  spec: { matchRules?: Array<{ config: { activeProviderId?: string } }> };
}

const duplicates = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);

describe('operator killed mid-reconcile', () => {
  it('converges after a restart with no duplicates, including changes made while it was down', async () => {
    const ns = await uniqueNamespace('restart-pool');
    const gw = await gatewayNamespace('restart-gw');
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-x' } });
    const names = Array.from({ length: 12 }, (_, i) => `pool-${i}`);
    child = await startOperator();
    for (const name of names) {
      await client.create(modelPoolResource, twoModelPool(name, ns, gw));
    }
    // Mid-reconcile: the operator has started writing shared objects but not every pool is Ready yet.
    await waitFor(async () => (await client.get<McpBridge>(Resources.McpBridge, 'default', gw)) !== undefined, {
      timeoutMs: 60_000,
      intervalMs: 20,
      description: 'first shared write',
    });
    const readyBeforeKill = (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    await child.kill('SIGKILL');

    // While it is down: one pool is deleted (gone at once: its routes' events bring it back at start), another gains a model.
    await client.delete(modelPoolResource, 'pool-0', ns);
    await client.patch(
      modelPoolResource,
      'pool-1',
      ns,
      {
        spec: {
          models: [
            { name: 'pool-1-gpt', provider: { type: 'openai', credentials: { secretRef: { name: 'k', key: 'token' } } } },
            { name: 'pool-1-extra', provider: { type: 'vllm', endpoint: 'http://extra.svc:8000/v1' } },
            { name: 'pool-1-local', provider: { type: 'vllm', endpoint: 'http://pool-1.svc:8000/v1' } },
          ],
        },
      },
      'merge',
    );

    child = await startOperator();
    const remaining = names.slice(1);
    await waitFor(
      async () => {
        const pools = (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items;
        return (
          pools.length === remaining.length &&
          pools.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === p.metadata.generation))
        );
      },
      { timeoutMs: 90_000, intervalMs: 200, description: 'all remaining pools Ready after restart' },
    );

    const expectedModels = remaining.length * 2 + 1; // pool-1 has three models now
    const registries = (await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries?.map((r) => r.name) ?? [];
    await waitFor(
      async () => {
        const proxy = await client.get<WasmPluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
        return proxy?.spec.matchRules?.length === expectedModels;
      },
      { timeoutMs: 30_000, description: 'ai-proxy rules for every remaining model' },
    );
    const proxy = await client.get<WasmPluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
    const ruleIds = proxy?.spec.matchRules?.map((r) => r.config.activeProviderId ?? '') ?? [];
    const ingresses = (await client.list(Resources.Ingress, { namespace: gw })).items.map((i) => i.metadata.name ?? '');

    expect(readyBeforeKill).toBeLessThan(names.length); // the kill really was mid-reconcile
    expect(duplicates(registries)).toEqual([]);
    expect(duplicates(ruleIds)).toEqual([]);
    expect(registries).toHaveLength(expectedModels);
    expect(ruleIds).toHaveLength(expectedModels);
    expect(ingresses).toHaveLength(expectedModels);
    expect([...registries, ...ruleIds, ...ingresses].filter((n) => n.includes('pool-0-'))).toEqual([]);
    expect(registries.some((n) => n.includes('pool-1-extra'))).toBe(true);
  });
});
