// The ModelPool controller against the real kube-apiserver: every test uses its own pool namespace AND its
// own gateway namespace, so the shared McpBridge/default and console WasmPlugins are per test.
import { suiteOperator } from './support/suite-operator.js';
import { describe, expect, it } from '@jest/globals';
import type { ModelPoolSpecIn } from '../../src/api/v1alpha1/modelpool.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { KubeClient, writeCount } from '../../src/kube/client.js';
import { APPLIED_HASH_ANNOTATION } from '../../src/kube/apply.js';
import { FINALIZER } from '../../src/kube/finalizers.js';
import type { McpBridge } from '../../src/kube/mcpbridge.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources } from '../../src/kube/resources.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

interface WasmPluginObj extends KubeObject {
  spec: {
    matchRules?: Array<{ service?: string[]; config: Record<string, unknown> }>;
    defaultConfig?: Record<string, unknown>;
    defaultConfigDisable?: boolean;
  };
}
const AI_PROXY = 'ai-proxy.internal';
interface IngressObj extends KubeObject {
  metadata: KubeObject['metadata'] & { annotations?: Record<string, string> };
}

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
const operator = suiteOperator();

async function namespaces(prefix: string): Promise<{ ns: string; gw: string }> {
  return { ns: await uniqueNamespace(`${prefix}-pool`), gw: await gatewayNamespace(`${prefix}-gw`) };
}

function pool(ns: string, name: string, spec: ModelPoolSpecIn): ModelPoolObject {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { name, namespace: ns }, spec } as ModelPoolObject;
}

async function secret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data });
}

const readyCondition = (p: ModelPoolObject | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');

async function waitReady(ns: string, name: string, status: 'True' | 'False' = 'True', reason?: string): Promise<ModelPoolObject> {
  return waitFor(
    async () => {
      const p = await client.get<ModelPoolObject>(modelPoolResource, name, ns);
      const c = readyCondition(p);
      const fresh = c?.observedGeneration === p?.metadata.generation;
      return fresh && c?.status === status && (reason === undefined || c?.reason === reason) ? p : undefined;
    },
    { timeoutMs: 20_000, description: `ModelPool ${ns}/${name} Ready=${status}${reason ? ` (${reason})` : ''}` },
  );
}

const registries = async (gw: string) => (await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries ?? [];
const aiProxy = (gw: string) => client.get<WasmPluginObj>(Resources.WasmPlugin, AI_PROXY, gw);
const ingressNames = async (gw: string) => (await client.list<IngressObj>(Resources.Ingress, { namespace: gw })).items.map((i) => i.metadata.name ?? '').sort();
const providersOf = (plugin: WasmPluginObj | undefined) =>
  (plugin?.spec.defaultConfig?.providers as Array<{ id: string; apiTokens?: string[] }> | undefined) ?? [];
const tokensOf = (plugin: WasmPluginObj | undefined) => providersOf(plugin).flatMap((p) => p.apiTokens ?? []);

describe('ModelPool controller', () => {
  it('renders a pool into console providers and AI routes, and reports it Ready', async () => {
    const { ns, gw } = await namespaces('create');
    await secret(ns, 'openai', { 'api-key': 'sk-create-1' });
    await client.create(
      modelPoolResource,
      pool(ns, 'chat', {
        gateway: { namespace: gw },
        models: [
          { name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'api-key' } } } },
          { name: 'local', provider: { type: 'vllm', endpoint: 'http://vllm.inference.svc:8000/v1' } },
        ],
        fallback: ['gpt-4o', 'local'],
      }),
    );
    const ready = await waitReady(ns, 'chat');

    expect(ready.metadata.finalizers ?? []).not.toContain(FINALIZER); // none held (ADR 0008)
    expect(ready.status?.observedGeneration).toBe(ready.metadata.generation);
    expect(ready.status?.models?.map((m) => [m.name, m.ready])).toEqual([
      ['gpt-4o', true],
      ['local', true],
    ]);
    const regs = await registries(gw);
    expect(regs.map((r) => [r.domain, r.port, r.protocol])).toEqual([
      ['api.openai.com', 443, 'https'],
      ['vllm.inference.svc', 8000, 'http'],
    ]);
    const ingresses = (await client.list<IngressObj>(Resources.Ingress, { namespace: gw })).items;
    const isFallback = (i: IngressObj) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-fallback-from'] !== undefined;
    const model = (i: IngressObj) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-llm-model'];
    expect(
      ingresses
        .filter((i) => !isFallback(i))
        .map(model)
        .sort(),
    ).toEqual(['gpt-4o', 'local']);
    // fallback: [gpt-4o, local] — a failed gpt-4o request is redirected to local's upstream
    expect(ingresses.filter(isFallback).map(model)).toEqual(['gpt-4o']);
    for (const i of ingresses) expect(i.metadata.annotations?.['higress.io/destination']).toMatch(/\.dns:\d+$/);
    const proxy = await aiProxy(gw);
    expect(proxy?.spec.matchRules).toHaveLength(2);
    expect(tokensOf(proxy)).toEqual(['sk-create-1']);
    const router = await client.get<WasmPluginObj>(Resources.WasmPlugin, 'model-router.internal', gw);
    expect(router?.spec.defaultConfig).toEqual({ modelToHeader: 'x-higress-llm-model' });
    const listed = new Set(ready.status?.generatedObjects?.map((o) => `${o.kind}/${o.name}`));
    for (const name of ingresses.map((i) => i.metadata.name)) expect(listed).toContain(`Ingress/${name}`);
    expect(listed).toContain(`WasmPlugin/${AI_PROXY}`);
    expect(ready.status?.readyModels).toBe('2/2');
    const routes = (
      await client.list<KubeObject & { data: { data: string } }>(Resources.ConfigMap, { namespace: gw, labelSelector: 'higress.io/config-map-type=ai-route' })
    ).items;
    expect(
      routes
        .map((r) => JSON.parse(r.data.data).name)
        .map((n: string) => `ai-route-${n}`)
        .sort(),
    ).toEqual(routes.map((r) => r.metadata.name).sort());
  });

  it('follows spec updates: a removed model loses its Ingress, registry and ai-proxy rule', async () => {
    const { ns, gw } = await namespaces('update');
    const models = [
      { name: 'a', provider: { type: 'vllm' as const, endpoint: 'http://a.svc:8000/v1' } },
      { name: 'b', provider: { type: 'vllm' as const, endpoint: 'http://b.svc:8000/v1' } },
    ];
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models }));
    const first = await waitReady(ns, 'p');
    expect(await ingressNames(gw)).toHaveLength(2);

    await client.patch(modelPoolResource, 'p', ns, { spec: { models: [models[0]] } }, 'merge');
    await waitFor(async () => (await ingressNames(gw)).length === 1, { timeoutMs: 20_000, description: 'stale Ingress pruned' });
    const updated = await waitReady(ns, 'p');
    expect(updated.metadata.generation).toBeGreaterThan(first.metadata.generation ?? 0);
    expect((await registries(gw)).map((r) => r.domain)).toEqual(['a.svc']);
    await waitFor(async () => (await aiProxy(gw))?.spec.matchRules?.length === 1, { timeoutMs: 20_000, description: 'ai-proxy rule removed' });
  });

  it('moves with spec.gateway.namespace: nothing of the pool stays in the old gateway namespace', async () => {
    const { ns, gw } = await namespaces('move');
    const gw2 = await gatewayNamespace('move-gw2');
    const models = [{ name: 'm', provider: { type: 'vllm' as const, endpoint: 'http://m.svc:8000/v1' } }];
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models }));
    await waitReady(ns, 'p');
    expect(await ingressNames(gw)).toHaveLength(1);

    await client.patch(modelPoolResource, 'p', ns, { spec: { gateway: { namespace: gw2 } } }, 'merge');
    await waitFor(async () => readyCondition(await client.get<ModelPoolObject>(modelPoolResource, 'p', ns))?.observedGeneration === 2, {
      timeoutMs: 20_000,
      description: 'Ready decided for the move',
    });
    await waitReady(ns, 'p');
    expect(await ingressNames(gw2)).toHaveLength(1);
    await waitFor(async () => (await ingressNames(gw)).length === 0, { timeoutMs: 20_000, description: 'the old Ingress removed' });
    await waitFor(async () => (await registries(gw)).length === 0, { timeoutMs: 20_000, description: 'the old registry removed' });
    const routes = await client.list(Resources.ConfigMap, { namespace: gw, labelSelector: 'higress.io/config-map-type=ai-route' });
    expect(routes.items).toEqual([]);
  });

  it('reports a missing Secret precisely, then recovers and follows Secret rotation', async () => {
    const { ns, gw } = await namespaces('secret');
    await client.create(
      modelPoolResource,
      pool(ns, 'p', {
        gateway: { namespace: gw },
        models: [{ name: 'deepseek-chat', provider: { type: 'deepseek', credentials: { secretRef: { name: 'ds', key: 'token' } } } }],
      }),
    );
    const missing = await waitReady(ns, 'p', 'False', 'SecretNotFound');
    expect(readyCondition(missing)?.message).toContain('Secret ds not found');
    expect(missing.status?.models?.[0]).toMatchObject({ name: 'deepseek-chat', ready: false, reason: 'SecretNotFound' });

    await secret(ns, 'ds', { token: 'sk-old' });
    await waitReady(ns, 'p');
    expect(tokensOf(await aiProxy(gw))).toEqual(['sk-old']);

    await client.patch(Resources.Secret, 'ds', ns, { stringData: { token: 'sk-rotated' } }, 'merge');
    await waitFor(async () => tokensOf(await aiProxy(gw))[0] === 'sk-rotated', { timeoutMs: 20_000, description: 'rotated token in ai-proxy' });
  });

  it('keeps foreign McpBridge entries through create, update and delete', async () => {
    const { ns, gw } = await namespaces('foreign');
    const foreign = { name: 'console-llm.internal', type: 'dns', domain: 'api.example.com', port: 443, protocol: 'https' };
    await client.create(Resources.McpBridge, {
      apiVersion: 'networking.higress.io/v1',
      kind: 'McpBridge',
      metadata: { name: 'default', namespace: gw },
      spec: { registries: [foreign] },
    });
    await client.create(
      modelPoolResource,
      pool(ns, 'p', { gateway: { namespace: gw }, models: [{ name: 'm', provider: { type: 'vllm', endpoint: 'http://m.svc:8000/v1' } }] }),
    );
    await waitReady(ns, 'p');
    expect((await registries(gw)).map((r) => r.name)).toEqual(expect.arrayContaining(['console-llm.internal']));
    expect(await registries(gw)).toHaveLength(2);

    await client.delete(modelPoolResource, 'p', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'p', ns)), { timeoutMs: 20_000, description: 'pool gone' });
    // Gone at once (no finalizer holds it); what it generated follows.
    await waitFor(async () => (await ingressNames(gw)).length === 0, { timeoutMs: 20_000, description: "the pool's routes removed" });
    await waitFor(async () => (await registries(gw)).length === 1, { timeoutMs: 20_000, description: "the pool's registry removed" });
    expect(await registries(gw)).toEqual([foreign]);
    // The console had no ai-proxy.internal here: the operator created it, so it goes with the last entry of ours
    // (one the console created stays as the console left it: modelpool-console.test.ts).
    await waitFor(async () => (await aiProxy(gw)) === undefined, { timeoutMs: 20_000, description: 'the ai-proxy.internal we created removed' });
  });

  it('withdraws only the model whose Secret disappears, and says which', async () => {
    const { ns, gw } = await namespaces('revoke');
    await secret(ns, 'vendor', { key: 'sk-revocable' });
    await client.create(
      modelPoolResource,
      pool(ns, 'p', {
        gateway: { namespace: gw },
        models: [
          { name: 'self-hosted', provider: { type: 'vllm', endpoint: 'http://m.svc:8000/v1' } },
          { name: 'vendor', provider: { type: 'openai', credentials: { secretRef: { name: 'vendor', key: 'key' } } } },
        ],
      }),
    );
    await waitReady(ns, 'p');
    expect(await ingressNames(gw)).toHaveLength(2);

    // Deleting a Secret is how credentials are revoked: the token must leave the gateway, the rest stays.
    await client.delete(Resources.Secret, 'vendor', ns);
    const degraded = await waitReady(ns, 'p', 'False', 'SecretNotFound');
    expect(readyCondition(degraded)?.message).toBe('model vendor: Secret vendor not found');
    expect(degraded.status?.models?.map((m) => [m.name, m.ready])).toEqual([
      ['self-hosted', true],
      ['vendor', false],
    ]);
    await waitFor(async () => (await ingressNames(gw)).length === 1, { timeoutMs: 20_000, description: 'vendor route withdrawn' });
    await waitFor(async () => tokensOf(await aiProxy(gw)).length === 0, { timeoutMs: 20_000, description: 'token gone from ai-proxy' });
  });

  it('serves a fallback chain with fallback routes and an EnvoyFilter redirect, and prunes them when dropped', async () => {
    const { ns, gw } = await namespaces('fallback');
    const vllm = (name: string) => ({ name, provider: { type: 'vllm' as const, endpoint: `http://${name}.svc:8000/v1` } });
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('a'), vllm('b'), vllm('c')], fallback: ['a', 'b', 'c'] }));
    const ready = await waitReady(ns, 'p');
    expect(ready.status?.conditions?.find((c) => c.type === 'Fallback')).toMatchObject({ status: 'True', reason: 'FallbackRoutes' });
    const all = (await client.list<IngressObj>(Resources.Ingress, { namespace: gw })).items;
    const fallbackRoutes = all.filter((i) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-fallback-from']);
    // The console's form: one fallback route per AI route with a next model (a→b, b→c), one EnvoyFilter each.
    expect(fallbackRoutes).toHaveLength(2);
    const filters = (await client.list(Resources.EnvoyFilter, { namespace: gw })).items;
    expect(filters).toHaveLength(2);
    expect(JSON.stringify(filters[0])).toContain('envoy.filters.http.custom_response');

    await client.patch(modelPoolResource, 'p', ns, { spec: { fallback: null } }, 'merge');
    await waitFor(async () => (await client.list(Resources.EnvoyFilter, { namespace: gw })).items.length === 0, {
      timeoutMs: 20_000,
      description: 'EnvoyFilter pruned',
    });
    expect(await ingressNames(gw)).toHaveLength(3);
    const after = await waitReady(ns, 'p');
    expect(after.status?.conditions?.some((c) => c.type === 'Fallback')).toBe(false);
  });

  // The operator watches the whole cluster, so the resync also visits what earlier test files left behind (an
  // AgentProduct's shared-plugin merge once wrote on every pass): every controller's queue must drain, not only ours.
  it('performs zero write requests on a resync after convergence', async () => {
    const { ns, gw } = await namespaces('steady');
    await secret(ns, 'k', { key: 'sk-steady' });
    for (const name of ['one', 'two', 'three']) {
      await client.create(
        modelPoolResource,
        pool(ns, name, {
          gateway: { namespace: gw },
          models: [
            { name: `${name}-a`, provider: { type: 'openai', credentials: { secretRef: { name: 'k', key: 'key' } } } },
            { name: `${name}-b`, provider: { type: 'qwen', credentials: { secretRef: { name: 'k', key: 'key' } } } },
          ],
          alias: `${name}-alias`,
        }),
      );
    }
    for (const name of ['one', 'two', 'three']) await waitReady(ns, name);
    const idle = () => operator().queues.every((q) => q.len() === 0 && q.inFlight() === 0);
    // Let trailing events (status writes echoing back) drain before counting.
    await waitFor(idle, { description: 'idle queues' });
    await new Promise((r) => setTimeout(r, 500));
    const before = writeCount({ namespaces: [ns, gw] }); // this test's namespaces: other files share the API server
    operator().resync();
    await new Promise((r) => setTimeout(r, 300));
    await waitFor(idle, { description: 'resync drained' });
    expect(writeCount({ namespaces: [ns, gw] }) - before).toBe(0);
  });

  // A resync of a settled pool returns without rendering or comparing (ReconcileMemo): drift must still bring the
  // full path back, through the events of the objects that drifted.
  it('repairs a generated Ingress someone edited or deleted, and a provider someone removed, after resyncs settled the pool', async () => {
    const { ns, gw } = await namespaces('drift');
    await secret(ns, 'k', { key: 'sk-drift' });
    await client.create(
      modelPoolResource,
      pool(ns, 'p', {
        gateway: { namespace: gw },
        models: [{ name: 'drift-a', provider: { type: 'openai', credentials: { secretRef: { name: 'k', key: 'key' } } } }],
      }),
    );
    await waitReady(ns, 'p');
    const idle = () => operator().queues.every((q) => q.len() === 0 && q.inFlight() === 0);
    for (let i = 0; i < 2; i++) {
      operator().resync();
      await new Promise((r) => setTimeout(r, 300));
      await waitFor(idle, { description: 'resync drained' });
    }
    const [name] = await ingressNames(gw);
    const hash = (await client.get<IngressObj>(Resources.Ingress, name!, gw))?.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
    expect(hash).toBeDefined();

    await client.patch(Resources.Ingress, name!, gw, { metadata: { annotations: { [APPLIED_HASH_ANNOTATION]: 'edited' } } }, 'merge');
    await waitFor(async () => (await client.get<IngressObj>(Resources.Ingress, name!, gw))?.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === hash, {
      description: 'edited Ingress repaired',
    });

    await client.delete(Resources.Ingress, name!, gw);
    await waitFor(async () => (await client.get<IngressObj>(Resources.Ingress, name!, gw)) !== undefined, { description: 'deleted Ingress recreated' });

    const plugin = await aiProxy(gw);
    await client.update(Resources.WasmPlugin, { ...plugin!, spec: { ...plugin!.spec, defaultConfig: { ...plugin!.spec.defaultConfig, providers: [] } } });
    await waitFor(async () => providersOf(await aiProxy(gw)).length > 0, { description: 'removed provider restored' });
    await waitReady(ns, 'p');
  });
});
