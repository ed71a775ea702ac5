// The AgentProduct controller against the real kube-apiserver, run as the operator's ServiceAccount (generated
// RBAC): every test has its own product namespace and its own gateway namespace, so the console's shared
// WasmPlugins (mcp-server.internal, key-auth.internal) are per test and may hold foreign rules we must keep.
import { suiteOperator } from './support/suite-operator.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import type { AgentProductSpecIn } from '../../src/api/v1alpha1/agentproduct.js';
import { checkHigressObject } from '../../src/contracts/higress/registry.js';
import { agentProductResource, type AgentProductObject } from '../../src/controllers/agentproduct.js';
import { modelPoolResource, ragPipelineResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import { FINALIZER } from '../../src/kube/finalizers.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources } from '../../src/kube/resources.js';
import { PETSTORE } from './support/petstore.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

interface Rule {
  ingress?: string[];
  config: Record<string, unknown>;
}
interface PluginObj extends KubeObject {
  spec: { matchRules?: Rule[]; defaultConfig?: { consumers?: { name: string; credentials: string[] }[] } };
}

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
suiteOperator();

const product = (ns: string, name: string, spec: AgentProductSpecIn) =>
  ({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'AgentProduct', metadata: { name, namespace: ns }, spec }) as unknown as AgentProductObject;
const get = (ns: string, name: string) => client.get<AgentProductObject>(agentProductResource, name, ns);
const plugin = (gw: string, name: string) => client.get<PluginObj>(Resources.WasmPlugin, name, gw);
const secret = (ns: string, name: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns },
  stringData: { key: value },
});

async function waitReady(ns: string, name: string, status: 'True' | 'False', reason?: string): Promise<AgentProductObject> {
  return waitFor(
    async () => {
      const p = await get(ns, name);
      const c = p?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.observedGeneration === p?.metadata.generation && c?.status === status && (reason === undefined || c?.reason === reason) ? p : undefined;
    },
    { timeoutMs: 20_000, description: `AgentProduct ${ns}/${name} Ready=${status}${reason ? ` (${reason})` : ''}` },
  );
}

/** Console-owned plugins with a foreign rule / consumer the product must leave alone. */
async function consolePlugins(gw: string): Promise<void> {
  const base = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'extensions.higress.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: { name, namespace: gw },
    spec: { url: `oci://example/${name}:1`, defaultConfigDisable: true, ...spec },
  });
  await client.create(
    Resources.WasmPlugin,
    base('mcp-server.internal', { matchRules: [{ ingress: ['mcp-server-foreign.internal'], configDisable: false, config: { server: { name: 'foreign' } } }] }),
  );
  await client.create(
    Resources.WasmPlugin,
    base('key-auth.internal', {
      defaultConfigDisable: false,
      defaultConfig: {
        global_auth: false,
        allow: [],
        keys: ['x-higress-dummy-key'],
        consumers: [{ name: 'foreign', credentials: ['Bearer foreign-key'], keys: ['Authorization'], in_header: true, in_query: false }],
      },
      matchRules: [{ ingress: ['mcp-server-foreign.internal'], configDisable: false, config: { allow: ['foreign'] } }],
    }),
  );
}

/** A product namespace with ConfigMap `petstore` (key `openapi.yaml`) and a gateway namespace with the console's plugins. */
async function petstoreSetup(nsPrefix: string, gwPrefix: string): Promise<{ ns: string; gw: string }> {
  const ns = await uniqueNamespace(nsPrefix);
  const gw = await gatewayNamespace(gwPrefix);
  await consolePlugins(gw);
  await client.create(Resources.ConfigMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'petstore', namespace: ns },
    data: { 'openapi.yaml': PETSTORE },
  });
  return { ns, gw };
}

describe('AgentProduct controller', () => {
  it('creates the MCP server, follows the allow-list and key rotation, and cleans up on delete', async () => {
    const { ns, gw } = await petstoreSetup('agent-prod', 'agent-gw');
    await client.create(Resources.Secret, secret(ns, 'alice', 'key-one'));
    await client.create(
      agentProductResource,
      product(ns, 'shop', {
        gateway: { namespace: gw },
        tools: [{ name: 'pets', openapi: { configMap: { name: 'petstore', key: 'openapi.yaml' }, operations: ['listPets', 'getPet'] } }],
        access: { consumers: [{ name: 'alice', keySecretRef: { name: 'alice', key: 'key' } }] },
      }),
    );
    const ready = await waitReady(ns, 'shop', 'True');
    expect(ready.metadata.finalizers).toContain(FINALIZER);
    expect(ready.status?.tools).toHaveLength(2);
    expect(ready.status?.consumers).toEqual([`${ns}-alice`]);
    const route = `mcp-server-${ns}-shop-pets.internal`;
    expect(await client.get(Resources.Ingress, route, gw)).toBeDefined();
    const mcp = await plugin(gw, 'mcp-server.internal');
    expect(mcp?.spec.matchRules?.map((r) => r.ingress?.[0])).toEqual(['mcp-server-foreign.internal', route]);
    const auth = await plugin(gw, 'key-auth.internal');
    expect(auth?.spec.defaultConfig?.consumers?.map((c) => [c.name, c.credentials])).toEqual([
      ['foreign', ['Bearer foreign-key']],
      [`${ns}-alice`, ['Bearer key-one']],
    ]);
    // Secret values stay out of status.
    expect(JSON.stringify(ready.status)).not.toContain('key-one');

    // Allow-list shrinks: the same rule is edited in place and the revision moves.
    await client.patch(
      agentProductResource,
      'shop',
      ns,
      { spec: { tools: [{ name: 'pets', openapi: { configMap: { name: 'petstore', key: 'openapi.yaml' }, operations: ['listPets'] } }] } },
      'merge',
    );
    const narrowed = await waitFor(
      async () => {
        const p = await waitReady(ns, 'shop', 'True');
        return p.status?.tools?.length === 1 ? p : undefined;
      },
      { timeoutMs: 20_000, description: 'one tool after the allow-list change' },
    );
    expect(narrowed.status?.toolsetRevision).not.toBe(ready.status?.toolsetRevision);
    const edited = await plugin(gw, 'mcp-server.internal');
    expect(edited?.spec.matchRules).toHaveLength(2);
    expect((edited?.spec.matchRules?.[1]?.config.tools as unknown[]).length).toBe(1);

    // Key rotation: the Secret changes, the key-auth consumer follows.
    await client.patch(Resources.Secret, 'alice', ns, { stringData: { key: 'key-two' } }, 'merge');
    await waitFor(async () => (await plugin(gw, 'key-auth.internal'))?.spec.defaultConfig?.consumers?.some((c) => c.credentials[0] === 'Bearer key-two'), {
      timeoutMs: 20_000,
      description: 'rotated key in key-auth.internal',
    });

    // Events: the first toolset, the allow-list change naming the tool that went, Ready; never a key.
    const events = await waitFor(
      async () => {
        const list = (
          await client.list<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>(Resources.Event, { namespace: ns })
        ).items.filter((e) => e.involvedObject?.name === 'shop');
        const reasons = list.map((e) => e.reason);
        return reasons.includes('ToolsCreated') && reasons.includes('ToolsUpdated') && reasons.includes('Ready') ? list : undefined;
      },
      { timeoutMs: 20_000, description: 'ToolsCreated, ToolsUpdated and Ready events' },
    );
    const updated = events.find((e) => e.reason === 'ToolsUpdated');
    expect(updated?.message).toContain(`${ready.status?.toolsetRevision} → ${narrowed.status?.toolsetRevision}`);
    expect(updated?.message).toMatch(/removed \S*getPet/);
    expect(JSON.stringify(events)).not.toMatch(/key-one|key-two/);

    // Delete: our objects, rules and consumer go; the console's foreign entries stay.
    await client.delete(agentProductResource, 'shop', ns);
    await waitFor(async () => (await get(ns, 'shop')) === undefined, { timeoutMs: 20_000, description: 'finalizer removed' });
    expect(await client.get(Resources.Ingress, route, gw)).toBeUndefined();
    const after = await plugin(gw, 'mcp-server.internal');
    expect(after?.spec.matchRules?.map((r) => r.ingress?.[0])).toEqual(['mcp-server-foreign.internal']);
    const authAfter = await plugin(gw, 'key-auth.internal');
    expect(authAfter?.spec.defaultConfig?.consumers?.map((c) => c.name)).toEqual(['foreign']);
    expect(authAfter?.spec.matchRules?.map((r) => r.ingress?.[0])).toEqual(['mcp-server-foreign.internal']);
  }, 90_000);

  it('two products on one gateway share its console plugins without rewriting them in turn', async () => {
    const { ns, gw } = await petstoreSetup('agent-two', 'agent-two-gw');
    for (const who of ['alice', 'bob']) await client.create(Resources.Secret, secret(ns, who, `key-${who}`));
    for (const [name, who] of [
      ['one', 'alice'],
      ['two', 'bob'],
    ] as const) {
      await client.create(
        agentProductResource,
        product(ns, name, {
          gateway: { namespace: gw },
          tools: [{ name: 'pets', openapi: { configMap: { name: 'petstore', key: 'openapi.yaml' } } }],
          access: { consumers: [{ name: who, keySecretRef: { name: who, key: 'key' } }] },
        }),
      );
    }
    await waitReady(ns, 'one', 'True');
    await waitReady(ns, 'two', 'True');
    const versions = async () =>
      Object.fromEntries(
        (await client.list<KubeObject>(Resources.WasmPlugin, { namespace: gw })).items.map((o) => [o.metadata.name, o.metadata.resourceVersion]),
      );
    // Settled once two reads 2 s apart agree; a loop (each product re-sorting the other's rules) never does.
    await waitFor(
      async () => {
        const a = await versions();
        await new Promise((r) => setTimeout(r, 2000));
        return JSON.stringify(a) === JSON.stringify(await versions());
      },
      { timeoutMs: 20_000, description: 'console plugins of the gateway unchanged for 2 s' },
    );
    const auth = await plugin(gw, 'key-auth.internal');
    // The foreign consumer keeps its place; ours follow in the order the two products happened to merge.
    const [first, ...ours] = auth?.spec.defaultConfig?.consumers?.map((c) => c.name) ?? [];
    expect(first).toBe('foreign');
    expect(ours.sort()).toEqual([`${ns}-alice`, `${ns}-bob`]);
    for (const name of ['one', 'two']) await client.delete(agentProductResource, name, ns);
  });

  it('names the consumer Secret that is missing, and recovers when it appears', async () => {
    const ns = await uniqueNamespace('agent-missing');
    const gw = await gatewayNamespace('agent-missing-gw');
    await client.create(
      agentProductResource,
      product(ns, 'shop', {
        gateway: { namespace: gw },
        tools: [{ name: 'pets', openapi: { inline: PETSTORE } }],
        access: { consumers: [{ name: 'bob', keySecretRef: { name: 'bob', key: 'key' } }] },
      }),
    );
    const failing = await waitReady(ns, 'shop', 'False', 'SecretKeyMissing');
    const c = failing.status?.conditions?.find((x) => x.type === 'Ready');
    expect(c?.message).toContain('spec.access.consumers[0].keySecretRef');
    expect(c?.message).toContain('Secret bob');
    // A RagPipeline that does not exist is named the same way.
    await client.create(agentProductResource, product(ns, 'rag', { gateway: { namespace: gw }, tools: [{ name: 'docs', ragPipeline: { name: 'nowhere' } }] }));
    const rag = await waitReady(ns, 'rag', 'False', 'RagPipelineMissing');
    expect(rag.status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('spec.tools[0].ragPipeline.name');
    // Once a pipeline of that name exists, the tool resolves (tool and pipeline named differently on purpose).
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'nowhere', namespace: ns },
      spec: { gateway: { namespace: gw } },
    });
    await waitFor(
      async () =>
        (await client.get<AgentProductObject>(agentProductResource, 'rag', ns))?.status?.conditions?.find((x) => x.type === 'ToolsResolved')?.status === 'True',
      { timeoutMs: 20_000, description: "the RAG tool 'docs' resolved to RagPipeline 'nowhere'" },
    );
    await client.create(Resources.Secret, secret(ns, 'bob', 'bob-key'));
    const ok = await waitReady(ns, 'shop', 'True');
    expect(ok.status?.consumers).toEqual([`${ns}-bob`]);
  }, 60_000);

  it('reads the document from openapi.url, and names the field when the URL fails', async () => {
    // The service that serves its own OpenAPI document (in a cluster: http://svc.ns.svc:port/openapi.yaml).
    const server = createServer((req, res) => {
      if (req.url === '/openapi.yaml') res.writeHead(200, { 'content-type': 'application/yaml' }).end(PETSTORE);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ns = await uniqueNamespace('agent-url');
      const gw = await gatewayNamespace('agent-url-gw');
      await client.create(
        agentProductResource,
        product(ns, 'good', { gateway: { namespace: gw }, tools: [{ name: 'pets', openapi: { url: `${base}/openapi.yaml` } }] }),
      );
      await client.create(
        agentProductResource,
        product(ns, 'bad', { gateway: { namespace: gw }, tools: [{ name: 'pets', openapi: { url: `${base}/missing.yaml` } }] }),
      );
      const good = await waitReady(ns, 'good', 'True');
      expect(good.status?.tools).toHaveLength(2);
      const bad = await waitReady(ns, 'bad', 'False', 'OpenApiUnavailable');
      const c = bad.status?.conditions?.find((x) => x.type === 'Ready');
      expect(c?.message).toContain('spec.tools[0].openapi.url');
      expect(c?.message).toContain('HTTP 404');
    } finally {
      server.close();
    }
  }, 60_000);

  it('moves to another gateway namespace and leaves nothing on the old one', async () => {
    const ns = await uniqueNamespace('agent-move');
    const [gw1, gw2] = [await gatewayNamespace('agent-move-a'), await gatewayNamespace('agent-move-b')];
    await client.create(agentProductResource, product(ns, 'shop', { gateway: { namespace: gw1 }, tools: [{ name: 'pets', openapi: { inline: PETSTORE } }] }));
    await waitReady(ns, 'shop', 'True');
    const route = `mcp-server-${ns}-shop-pets.internal`;
    expect(await client.get(Resources.Ingress, route, gw1)).toBeDefined();
    await client.patch(agentProductResource, 'shop', ns, { spec: { gateway: { namespace: gw2 } } }, 'merge');
    await waitReady(ns, 'shop', 'True');
    expect(await client.get(Resources.Ingress, route, gw2)).toBeDefined();
    await waitFor(async () => (await client.get(Resources.Ingress, route, gw1)) === undefined, {
      timeoutMs: 20_000,
      description: 'old gateway Ingress removed',
    });
    expect((await plugin(gw1, 'mcp-server.internal'))?.spec.matchRules ?? []).toEqual([]);
  }, 60_000);

  it('reports a missing Redis Service for token limits, and recovers when it is created', async () => {
    const ns = await uniqueNamespace('agent-redis');
    const gw = await gatewayNamespace('agent-redis-gw');
    await client.create(Resources.Secret, secret(ns, 'carol', 'carol-key'));
    await client.create(
      agentProductResource,
      product(ns, 'shop', {
        gateway: { namespace: gw },
        tools: [{ name: 'pets', openapi: { inline: PETSTORE } }],
        agent: { model: { pool: 'chat', name: 'gpt-4o' } },
        access: {
          consumers: [{ name: 'carol', keySecretRef: { name: 'carol', key: 'key' }, tokenLimit: { perMinute: 1000 } }],
          redis: { service: { name: 'redis' } },
        },
      }),
    );
    // The agent's model is not routed yet: the endpoint waits, naming the field.
    const waiting = await waitReady(ns, 'shop', 'False', 'ModelNotRouted');
    expect(waiting.status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('spec.agent.model.pool: ModelPool chat routes no model gpt-4o');
    expect(waiting.status?.agentEndpoint).toBeUndefined();
    await client.create(Resources.Secret, secret(ns, 'openai', 'sk-openai'));
    await client.create(modelPoolResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'ModelPool',
      metadata: { name: 'chat', namespace: ns },
      spec: {
        gateway: { namespace: gw },
        models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'key' } } } }],
      },
    } as unknown as KubeObject);
    const failing = await waitReady(ns, 'shop', 'False', 'RedisMissing');
    expect(failing.status?.conditions?.find((x) => x.type === 'Ready')?.message).toContain('spec.access.redis.service');
    await client.create(Resources.Service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'redis', namespace: gw },
      spec: { ports: [{ port: 6379 }] },
    });
    const ok = await waitReady(ns, 'shop', 'True');
    expect(ok.status?.agentEndpoint).toBe(`/agents/${ns}-shop`);
    // The agent's console AI route: Ingress + ConfigMap, and its rule in the console's ai-agent plugin.
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, `ai-route-${ns}-shop-agent`, gw);
    expect(checkHigressObject(cm)).toEqual([]);
    // What the console's PUT /v1/ai/routes checks (reference §11): every upstream is a provider of ai-proxy.internal.
    const route = JSON.parse(cm!.data!.data!) as { upstreams: { provider: string }[] };
    const proxy = await client.get<PluginObj & { spec: { defaultConfig?: { providers?: { id: string }[] } } }>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
    const providers = (proxy?.spec.defaultConfig?.providers ?? []).map((p) => p.id);
    expect(route.upstreams.length).toBeGreaterThan(0);
    for (const u of route.upstreams) expect(providers).toContain(u.provider);
    const ingress = await client.get<KubeObject>(Resources.Ingress, `ai-route-${ns}-shop-agent.internal`, gw);
    expect(ingress?.metadata.annotations?.['higress.io/destination']).toBe(`llm-${route.upstreams[0]!.provider}.internal.dns:443`);
    expect((await plugin(gw, 'ai-agent-1.0.0'))?.spec.matchRules?.map((r) => r.ingress?.[0])).toEqual([`ai-route-${ns}-shop-agent.internal`]);
    expect((await plugin(gw, 'model-mapper.internal'))?.spec.matchRules?.some((r) => r.ingress?.[0] === `ai-route-${ns}-shop-agent.internal`)).toBe(true);
    expect(ok.status?.generatedObjects?.some((o) => o.kind === 'WasmPlugin' && o.name.startsWith('aiop-token-limit-'))).toBe(true);
  }, 90_000);
});
