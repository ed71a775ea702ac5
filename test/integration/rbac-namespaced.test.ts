// An operator that serves one gateway namespace (--higress-namespace-only) runs with namespaced rights for the
// gateway kinds: its ServiceAccount gets the RBAC rendered for that placement (src/rbac/render.ts), which cannot
// list Ingresses, WasmPlugins, McpBridges or EnvoyFilters cluster-wide — and a pool still becomes Ready, so the
// informers really list and watch only that namespace. An object of any kind naming another gateway namespace
// says so (Ready=False GatewayNamespaceNotServed, src/reconcilers/gateway-namespace.ts) instead of staying pending.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { agentProductResource } from '../../src/controllers/agentproduct.js';
import { modelPoolResource, ragPipelineResource } from '../../src/controllers/resources.js';
import { semanticRouterResource } from '../../src/controllers/semanticrouter.js';
import type { KubeObject } from '../../src/kube/object.js';
import { KubeClient } from '../../src/kube/client.js';
import { reasonOf } from '../../src/kube/errors.js';
import { Resources } from '../../src/kube/resources.js';
import { HIGRESS_NAMESPACE_ONLY, type RbacNames } from '../../src/rbac/render.js';
import { createLogger } from '../../src/util/log.js';
import { PETSTORE } from './support/petstore.js';
import { uniqueNamespace, waitFor } from './support/kube.js';
import { readyOf, scopedOperator, vllmPool } from './support/scoped-operator.js';

const { admin, identity, start } = scopedOperator('nsonly');
type McpPlugin = KubeObject & { spec: { matchRules?: { ingress?: string[] }[] } };

let names: RbacNames;
let kc: KubeConfig;

beforeAll(async () => {
  ({ names, kubeConfig: kc } = await identity({ placement: HIGRESS_NAMESPACE_ONLY }));
  await start({ kubeConfig: kc, gatewayNamespace: names.higressNamespace, resyncPeriodMs: 0, log: createLogger('operator', 'fatal') });
}, 60_000);

describe('operator scoped to its Higress namespace', () => {
  it('reconciles a pool with namespaced rights only, and names a gateway namespace it does not serve', async () => {
    const ns = await uniqueNamespace('nsonly-pool');
    const gw = names.higressNamespace;

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

    await admin.create(modelPoolResource, vllmPool('served', ns, gw));
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
    await admin.create(modelPoolResource, vllmPool('elsewhere', ns, elsewhere));
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
      description: 'both pools deleted',
    });
  }, 120_000);

  it('a RagPipeline moved out of the served gateway namespace takes its MCP route with it', async () => {
    const ns = await uniqueNamespace('nsonly-move');
    const gw = names.higressNamespace;
    await admin.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { gateway: { namespace: gw } },
    });
    const routes = async () =>
      (await admin.list(Resources.Ingress, { namespace: gw, labelSelector: `ai.higress.io/owner-kind=RagPipeline,ai.higress.io/owner-namespace=${ns}` })).items
        .length;
    await waitFor(async () => (await routes()) === 1, { timeoutMs: 30_000, description: "the pipeline's MCP route in the served namespace" });
    const elsewhere = await uniqueNamespace('nsonly-move-gw');

    await admin.patch(ragPipelineResource, 'kb', ns, { spec: { gateway: { namespace: elsewhere } } }, 'merge');
    await waitFor(async () => (await routes()) === 0, { timeoutMs: 30_000, description: 'the MCP route gone from the served namespace' });
    const ready = await waitFor(
      async () => {
        const o = await admin.get<KubeObject & { status?: { conditions?: { type: string; reason?: string; observedGeneration?: number }[] } }>(
          ragPipelineResource,
          'kb',
          ns,
        );
        const c = o?.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.observedGeneration === o?.metadata.generation ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'Ready decided after the move' },
    );
    expect(ready.reason).toBe('GatewayNamespaceNotServed');
    await admin.delete(ragPipelineResource, 'kb', ns);
    await waitFor(async () => (await admin.get(ragPipelineResource, 'kb', ns)) === undefined, { timeoutMs: 30_000, description: 'pipeline deleted' });
  }, 120_000);

  it('an AgentProduct moved out of the served gateway namespace takes its MCP route and plugin rules with it', async () => {
    const ns = await uniqueNamespace('nsonly-agent');
    const gw = names.higressNamespace;
    await admin.create(agentProductResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'AgentProduct',
      metadata: { name: 'shop', namespace: ns },
      spec: { gateway: { namespace: gw }, tools: [{ name: 'pets', openapi: { inline: PETSTORE } }] },
    });
    const route = `mcp-server-${ns}-shop-pets.internal`;
    const held = async () => ({
      route: (await admin.get(Resources.Ingress, route, gw)) !== undefined,
      rule: ((await admin.get<McpPlugin>(Resources.WasmPlugin, 'mcp-server.internal', gw))?.spec.matchRules ?? []).some((r) => r.ingress?.includes(route)),
    });
    await waitFor(async () => JSON.stringify(await held()) === JSON.stringify({ route: true, rule: true }), {
      timeoutMs: 30_000,
      description: "the product's MCP route and rule in the served namespace",
    });

    await admin.patch(agentProductResource, 'shop', ns, { spec: { gateway: { namespace: await uniqueNamespace('nsonly-agent-gw') } } }, 'merge');
    await waitFor(async () => JSON.stringify(await held()) === JSON.stringify({ route: false, rule: false }), {
      timeoutMs: 30_000,
      description: 'the MCP route and its rule gone from the served namespace',
    });
    // The status that lists them is written after they are removed (the same reconcile): wait for it too.
    await waitFor(
      async () => {
        const after = await admin.get<KubeObject & { status?: { generatedObjects?: { namespace?: string }[] } }>(agentProductResource, 'shop', ns);
        return (after?.status?.generatedObjects ?? []).every((o) => o.namespace !== gw);
      },
      { timeoutMs: 30_000, description: 'status.generatedObjects without the served namespace' },
    );
    await admin.delete(agentProductResource, 'shop', ns);
    await waitFor(async () => (await admin.get(agentProductResource, 'shop', ns)) === undefined, { timeoutMs: 30_000, description: 'product deleted' });
  }, 120_000);

  it('says GatewayNamespaceNotServed for a RagPipeline, a SemanticRouter and an AgentProduct on another gateway, and deletes them', async () => {
    const ns = await uniqueNamespace('nsonly-kinds');
    const elsewhere = await uniqueNamespace('nsonly-kinds-gw');
    const gateway = { namespace: elsewhere };
    const meta = { namespace: ns };
    const objects = [
      { resource: ragPipelineResource, body: { kind: 'RagPipeline', metadata: { name: 'kb', ...meta }, spec: { gateway } } },
      {
        resource: semanticRouterResource,
        body: { kind: 'SemanticRouter', metadata: { name: 'auto', ...meta }, spec: { gateway, poolRef: { name: 'matrix' }, baselineModel: 'm' } },
      },
      {
        resource: agentProductResource,
        body: { kind: 'AgentProduct', metadata: { name: 'shop', ...meta }, spec: { gateway, tools: [{ name: 'docs', ragPipeline: { name: 'kb' } }] } },
      },
    ];
    for (const { resource, body } of objects) await admin.create(resource, { apiVersion: 'ai.higress.io/v1alpha1', ...body });
    for (const { resource, body } of objects) {
      const c = await waitFor(
        async () => {
          const o = await admin.get<KubeObject & { status?: { conditions?: { type: string; observedGeneration?: number }[] } }>(
            resource,
            body.metadata.name,
            ns,
          );
          const ready = o?.status?.conditions?.find((x) => x.type === 'Ready');
          return ready?.observedGeneration === o?.metadata.generation ? ready : undefined;
        },
        { timeoutMs: 30_000, description: `a Ready condition on ${body.kind} ${ns}/${body.metadata.name}` },
      );
      expect({ kind: body.kind, ...c }).toMatchObject({ kind: body.kind, status: 'False', reason: 'GatewayNamespaceNotServed' });
      expect((c as { message?: string }).message).toContain(`spec.gateway.namespace ${elsewhere}`);
      expect((c as { message?: string }).message).toContain(names.higressNamespace);
    }
    // Nothing was written for them, on either gateway, nor a workload in their namespace.
    expect((await admin.list(Resources.Ingress, { namespace: elsewhere })).items).toEqual([]);
    expect((await admin.list(Resources.ConfigMap, { namespace: ns, labelSelector: 'app.kubernetes.io/managed-by' })).items).toEqual([]);

    for (const { resource, body } of objects) await admin.delete(resource, body.metadata.name, ns);
    await waitFor(
      async () => {
        const left = await Promise.all(objects.map(async ({ resource }) => (await admin.list(resource, { namespace: ns })).items.length));
        return left.every((n) => n === 0);
      },
      { timeoutMs: 60_000, description: 'all three deleted (finalizers released)' },
    );
  }, 120_000);
});
