// ModelPool (and RagPipeline's MCP server) in the Higress console's own forms, against the real kube-apiserver
// (issue 10): foreign console objects stay untouched, the console's rewrite of one of our AI routes converges without undoing the
// consumer it added, a foreign object of one of our names is never overwritten, and the objects of earlier
// versions (`aiop-*`) are replaced without leftovers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ModelPoolSpecIn } from '../../src/api/v1alpha1/modelpool.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource, ragPipelineResource } from '../../src/controllers/resources.js';
import type { RagPipelineObject } from '../../src/controllers/ragpipeline.js';
import { buildAiRouteObjects, keyAuthRule, parseAiRoute, type AiRoute } from '../../src/higress/console/ai-route.js';
import { consoleName } from '../../src/higress/console/meta.js';
import { CONSOLE_PLUGINS, CREATED_BY_ANNOTATION, ENTRY_OWNERS_ANNOTATION, newConsolePlugin, ruleKey } from '../../src/higress/console/shared-plugins.js';
import { KubeClient, writeCount } from '../../src/kube/client.js';
import { REGISTRY_OWNERS_ANNOTATION, type McpBridge, type Registry } from '../../src/kube/mcpbridge.js';
import { parseOwners } from '../../src/kube/owners-record.js';
import type { KubeObject } from '../../src/kube/object.js';
import { ownerAnnotations, ownerLabels } from '../../src/kube/owner.js';
import { Resources, type ResourceType } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import type { MatchRule } from '../../src/higress/types.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

type Obj = KubeObject & { spec?: Record<string, unknown>; data?: Record<string, string> };
interface PluginObj extends KubeObject {
  spec: { matchRules?: MatchRule[]; defaultConfig?: Record<string, unknown>; defaultConfigDisable?: boolean };
}

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
let operator: Operator;

beforeAll(async () => {
  operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log: createLogger('operator', 'warn') });
  await operator.synced;
});
afterAll(async () => {
  await operator.stop();
});

const RT: Record<string, ResourceType> = { Ingress: Resources.Ingress, WasmPlugin: Resources.WasmPlugin, ConfigMap: Resources.ConfigMap };
/** What a live console wrote (shared/reference/higress-console-objects.yaml, copied into the repo). */
const CONSOLE_OBJECTS = parseAllDocuments(readFileSync(join(import.meta.dirname, '../../src/higress/console/__golden__/console-objects.yaml'), 'utf8')).map(
  (d) => d.toJSON() as Obj,
);

function pool(ns: string, name: string, spec: ModelPoolSpecIn): ModelPoolObject {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { name, namespace: ns }, spec } as ModelPoolObject;
}
const vllm = (name: string) => ({ name, provider: { type: 'vllm' as const, endpoint: `http://${name}.svc:8000/v1` } });
const readyOf = (p: ModelPoolObject | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');

async function waitReady(ns: string, name: string, status: 'True' | 'False' = 'True', reason?: string): Promise<ModelPoolObject> {
  return waitFor(
    async () => {
      const p = await client.get<ModelPoolObject>(modelPoolResource, name, ns);
      const c = readyOf(p);
      return c?.observedGeneration === p?.metadata.generation && c?.status === status && (reason === undefined || c?.reason === reason) ? p : undefined;
    },
    { timeoutMs: 30_000, description: `ModelPool ${ns}/${name} Ready=${status}${reason ? ` (${reason})` : ''}` },
  );
}
// Every controller's queue: the operator watches the whole cluster, and other kinds write the same shared plugins.
const quiet = () => operator.queues.every((q) => q.len() === 0 && q.inFlight() === 0);
const idle = async () => {
  await waitFor(quiet, { description: 'idle queues' });
  await new Promise((r) => setTimeout(r, 500));
  await waitFor(quiet, { description: 'idle queues' });
};
const content = (o: Obj | undefined) => JSON.stringify({ spec: o?.spec, data: o?.data });
/** McpBridge/default as an operator before owners record v2 left it: `owners` in the v1 form (a flat JSON map). */
const createBridgeWithV1Owners = (gw: string, owners: Record<string, string>, registries: Registry[]) =>
  client.create(Resources.McpBridge, {
    apiVersion: 'networking.higress.io/v1',
    kind: 'McpBridge',
    metadata: { name: 'default', namespace: gw, annotations: { [REGISTRY_OWNERS_ANNOTATION]: JSON.stringify(owners) } },
    spec: { registries },
  });

describe('ModelPool in console forms', () => {
  it('leaves a foreign console provider, AI route and MCP server untouched through create, update and delete', async () => {
    const ns = await uniqueNamespace('console-foreign-pool');
    const gw = await uniqueNamespace('console-foreign-gw');
    const foreign = CONSOLE_OBJECTS.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: gw } }));
    for (const o of foreign) await client.create(RT[o.kind!]!, o);
    const original = new Map<string, string>();
    for (const o of foreign) original.set(`${o.kind}/${o.metadata.name}`, content(await client.get<Obj>(RT[o.kind!]!, o.metadata.name!, gw)));

    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('a')] }));
    await waitReady(ns, 'p');
    const proxy = await client.get<PluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
    const ids = ((proxy?.spec.defaultConfig?.providers as { id: string }[]) ?? []).map((p) => p.id);
    expect(ids).toEqual(['openai-c', consoleName([ns, 'p', 'a'])]);
    expect(proxy?.spec.matchRules?.map((r) => r.config.activeProviderId)).toContain('openai-c');
    for (const o of foreign.filter((x) => x.kind !== 'WasmPlugin')) {
      expect(content(await client.get<Obj>(RT[o.kind!]!, o.metadata.name!, gw))).toBe(original.get(`${o.kind}/${o.metadata.name}`));
    }

    await client.patch(modelPoolResource, 'p', ns, { spec: { models: [vllm('a'), vllm('b')] } }, 'merge');
    await waitFor(
      async () => ((await client.get<PluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw))?.spec.defaultConfig?.providers as unknown[]).length === 3,
      {
        timeoutMs: 20_000,
        description: 'second provider added',
      },
    );
    await waitReady(ns, 'p');

    await client.delete(modelPoolResource, 'p', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'p', ns)), { timeoutMs: 30_000, description: 'pool gone' });
    // Every console object is back to exactly what the console wrote: our entries and rules left with the pool.
    for (const o of foreign) {
      await waitFor(async () => content(await client.get<Obj>(RT[o.kind!]!, o.metadata.name!, gw)) === original.get(`${o.kind}/${o.metadata.name}`), {
        timeoutMs: 20_000,
        description: `${o.kind} ${o.metadata.name} as the console wrote it`,
      });
    }
  });

  it("serves a RagPipeline as a DIRECT_ROUTE MCP server beside the console's own, through create, update and delete", async () => {
    const ns = await uniqueNamespace('console-foreign-rag');
    const gw = await uniqueNamespace('console-foreign-rag-gw');
    const foreign = CONSOLE_OBJECTS.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: gw } }));
    for (const o of foreign) await client.create(RT[o.kind!]!, o);
    const original = new Map<string, string>();
    for (const o of foreign) original.set(`${o.kind}/${o.metadata.name}`, content(await client.get<Obj>(RT[o.kind!]!, o.metadata.name!, gw)));
    const mcpIngress = async () =>
      (await client.list<Obj>(Resources.Ingress, { namespace: gw })).items.filter((i) => i.metadata.labels?.['ai.higress.io/owner-name'] === 'kb');
    const exposed = (path: string) => async () => {
      const mine = await mcpIngress();
      const p = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
      const c = p?.status?.conditions?.find((x) => x.type === 'Exposed');
      return mine.length === 1 && JSON.stringify(mine[0]!.spec).includes(path) && c?.status === 'True' && c.observedGeneration === p?.metadata.generation;
    };
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { gateway: { namespace: gw } },
    });
    await waitFor(exposed(`/mcp-servers/${ns}-kb`), { timeoutMs: 30_000, description: 'MCP server exposed' });
    const [ing] = await mcpIngress();
    expect(ing!.metadata.name).toMatch(/^mcp-server-.*\.internal$/);
    expect(ing!.metadata.labels).toMatchObject({
      'higress.io/biz-type': 'mcp-server',
      'higress.io/mcp-server-type': 'DIRECT_ROUTE',
      'higress.io/resource-definer': 'higress',
    });

    await client.patch(ragPipelineResource, 'kb', ns, { spec: { gateway: { namespace: gw, path: '/mcp-servers/kb-moved' } } }, 'merge');
    await waitFor(exposed('/mcp-servers/kb-moved'), { timeoutMs: 30_000, description: 'MCP path updated' });

    await client.delete(ragPipelineResource, 'kb', ns);
    await waitFor(async () => !(await client.get(ragPipelineResource, 'kb', ns)), { timeoutMs: 30_000, description: 'pipeline gone' });
    expect(await mcpIngress()).toEqual([]);
    for (const o of foreign) expect(content(await client.get<Obj>(RT[o.kind!]!, o.metadata.name!, gw))).toBe(original.get(`${o.kind}/${o.metadata.name}`));
  });

  it('deletes the console plugins it created once the last pool is gone; the one the console created stays as it was', async () => {
    const ns = await uniqueNamespace('console-cleanup-pool');
    const gw = await uniqueNamespace('console-cleanup-gw');
    const theirs = CONSOLE_OBJECTS.find((o) => o.kind === 'WasmPlugin' && o.metadata.name === 'ai-proxy.internal')!;
    await client.create(Resources.WasmPlugin, { ...theirs, metadata: { ...theirs.metadata, namespace: gw } });
    const original = content(await client.get<Obj>(Resources.WasmPlugin, 'ai-proxy.internal', gw));
    for (const name of ['a', 'b']) await client.create(modelPoolResource, pool(ns, name, { gateway: { namespace: gw }, models: [vllm(name)] }));
    for (const name of ['a', 'b']) await waitReady(ns, name);
    const plugins = async () => (await client.list<Obj>(Resources.WasmPlugin, { namespace: gw })).items;
    const marked = (ps: Obj[]) =>
      ps
        .filter((p) => p.metadata.annotations?.[CREATED_BY_ANNOTATION])
        .map((p) => p.metadata.name)
        .sort();
    const ours = ['ai-statistics-2.0.1', 'key-auth.internal', 'model-mapper.internal', 'model-router.internal'];
    expect(marked(await plugins())).toEqual(ours);

    await client.delete(modelPoolResource, 'a', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'a', ns)), { timeoutMs: 30_000, description: 'pool a gone' });
    await idle();
    expect(marked(await plugins())).toEqual(ours); // b still holds its entries and rules there

    await client.delete(modelPoolResource, 'b', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'b', ns)), { timeoutMs: 30_000, description: 'pool b gone' });
    await waitFor(async () => (await plugins()).length === 1, { timeoutMs: 20_000, description: 'only the console plugin left' });
    expect(content(await client.get<Obj>(Resources.WasmPlugin, 'ai-proxy.internal', gw))).toBe(original);
  });

  it("converges after the console's own rewrite of our AI route, keeping the consumer it granted, without a write loop", async () => {
    const ns = await uniqueNamespace('console-rewrite-pool');
    const gw = await uniqueNamespace('console-rewrite-gw');
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('m')] }));
    await waitReady(ns, 'p');
    const n = consoleName([ns, 'p', 'm']);
    await idle();

    // AiRouteServiceImpl.update as HiMarket triggers it: authConfig gains the consumer; the console rebuilds
    // the Ingress from the JSON, REPLACEs the route's key-auth allow-list and replaces the ConfigMap with its own metadata.
    const cm = await client.get<Obj>(Resources.ConfigMap, `ai-route-${n}`, gw);
    const stored = parseAiRoute(cm)!;
    const granted: AiRoute = { ...stored, authConfig: { enabled: true, allowedConsumers: ['himarket-consumer'] } };
    const bridge = await client.get<McpBridge>(Resources.McpBridge, 'default', gw);
    const reg = bridge!.spec!.registries!.find((r) => r.name === `llm-${n}.internal`)!;
    const consoleObjs = buildAiRouteObjects(
      { namespace: gw, ingressClassName: 'higress', service: (p) => ({ name: `llm-${p}.internal.dns`, port: reg.port! }) },
      granted,
    );
    const ing = await client.get<Obj>(Resources.Ingress, `ai-route-${n}.internal`, gw);
    await client.update(Resources.Ingress, {
      ...consoleObjs.ingresses[0]!,
      metadata: { ...consoleObjs.ingresses[0]!.metadata, resourceVersion: ing!.metadata.resourceVersion },
    });
    const keyAuth = (await client.get<PluginObj>(Resources.WasmPlugin, 'key-auth.internal', gw))!;
    const grantRule = keyAuthRule(`ai-route-${n}.internal`, granted.authConfig);
    const rules = (keyAuth.spec.matchRules ?? []).map((r) => (ruleKey(r) === ruleKey(grantRule) ? grantRule : r));
    await client.update(Resources.WasmPlugin, { ...keyAuth, spec: { ...keyAuth.spec, matchRules: rules } });
    await client.update(Resources.ConfigMap, {
      ...consoleObjs.configMap,
      metadata: { ...consoleObjs.configMap.metadata, resourceVersion: cm!.metadata.resourceVersion },
    });

    // The operator takes the ConfigMap back as ours (labels), and keeps the grant everywhere.
    await waitFor(async () => (await client.get<Obj>(Resources.ConfigMap, `ai-route-${n}`, gw))?.metadata.labels?.['ai.higress.io/owner-name'] === 'p', {
      timeoutMs: 20_000,
      description: 'owner labels restored on the route ConfigMap',
    });
    await idle();
    const after = await client.get<Obj>(Resources.ConfigMap, `ai-route-${n}`, gw);
    expect(parseAiRoute(after)?.authConfig).toEqual(granted.authConfig);
    const rule = (await client.get<PluginObj>(Resources.WasmPlugin, 'key-auth.internal', gw))?.spec.matchRules?.find((r) => ruleKey(r) === ruleKey(grantRule));
    expect(rule).toEqual(grantRule);
    expect(readyOf(await client.get<ModelPoolObject>(modelPoolResource, 'p', ns))?.status).toBe('True');
    // No write loop: quiet, then a full resync, costs zero writes.
    const before = writeCount({ namespaces: [ns, gw] }); // this test's namespaces: other files share the API server
    await new Promise((r) => setTimeout(r, 1000));
    operator.resync();
    await idle();
    expect(writeCount({ namespaces: [ns, gw] }) - before).toBe(0);
  });

  it('never overwrites a console object of one of our names: NameConflict, with the error on the object', async () => {
    const ns = await uniqueNamespace('console-conflict-pool');
    const gw = await uniqueNamespace('console-conflict-gw');
    const n = consoleName([ns, 'p', 'm']);
    const theirs = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `ai-route-${n}`, namespace: gw, labels: { 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' } },
      data: { data: JSON.stringify({ name: n, upstreams: [{ provider: 'someone-else', weight: 100 }] }) },
    };
    await client.create(Resources.ConfigMap, theirs);
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('m')] }));
    const p = await waitReady(ns, 'p', 'False', 'NameConflict');
    expect(readyOf(p)?.message).toContain(`ConfigMap/ai-route-${n}`);
    expect(p.status?.generatedObjects?.find((o) => o.name === `ai-route-${n}`)?.error).toMatch(/not overwritten/);
    expect((await client.get<Obj>(Resources.ConfigMap, `ai-route-${n}`, gw))?.data).toEqual(theirs.data);
    expect(await client.get(Resources.Ingress, `ai-route-${n}.internal`, gw)).toBeUndefined();
    // No rule of ours may target the foreign route.
    await idle();
    for (const plugin of ['model-mapper.internal', 'ai-statistics-2.0.1', 'key-auth.internal']) {
      const rules = (await client.get<PluginObj>(Resources.WasmPlugin, plugin, gw))?.spec.matchRules ?? [];
      expect(rules.filter((r) => r.ingress?.includes(`ai-route-${n}.internal`))).toEqual([]);
    }
  });

  // Our caches hold labelled objects only, so a new pool's objects are applied without a read first (force off):
  // an unlabelled object of one of our names answers 409 and is judged only then.
  it('never overwrites an unlabelled ConfigMap of one of our names, and leaves no Ingress of ours beside it', async () => {
    const ns = await uniqueNamespace('unlabelled-cm-pool');
    const gw = await uniqueNamespace('unlabelled-cm-gw');
    const n = consoleName([ns, 'p', 'm']);
    const theirs = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `ai-route-${n}`, namespace: gw }, data: { data: 'not a route' } };
    await client.create(Resources.ConfigMap, theirs);
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('m')] }));
    const p = await waitReady(ns, 'p', 'False', 'NameConflict');
    expect(readyOf(p)?.message).toContain(`ConfigMap/ai-route-${n}`);
    await idle();
    const after = await client.get<Obj>(Resources.ConfigMap, `ai-route-${n}`, gw);
    expect(after?.data).toEqual(theirs.data);
    expect(after?.metadata.labels).toBeUndefined();
    expect(await client.get(Resources.Ingress, `ai-route-${n}.internal`, gw)).toBeUndefined();
  });

  it("never overwrites a console MCP server of a RagPipeline's name: NameConflict, the rest of the pipeline still applied", async () => {
    const ns = await uniqueNamespace('console-conflict-rag');
    const gw = await uniqueNamespace('console-conflict-rag-gw');
    const name = `mcp-server-${consoleName([ns, 'kb'])}.internal`;
    const theirs = CONSOLE_OBJECTS.find((o) => o.kind === 'Ingress' && o.metadata.labels?.['higress.io/mcp-server-type'] === 'DIRECT_ROUTE')!;
    await client.create(Resources.Ingress, { ...theirs, metadata: { ...theirs.metadata, name, namespace: gw } });
    const before = content(await client.get<Obj>(Resources.Ingress, name, gw));
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { gateway: { namespace: gw } },
    });
    const p = await waitFor(
      async () => {
        const x = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
        const c = x?.status?.conditions?.find((y) => y.type === 'Exposed');
        return c?.reason === 'NameConflict' && c.observedGeneration === x?.metadata.generation ? x : undefined;
      },
      { timeoutMs: 30_000, description: 'Exposed=False (NameConflict)' },
    );
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NameConflict' });
    expect(p.status?.generatedObjects?.find((o) => o.name === name)?.error).toMatch(/not overwritten/);
    expect(await client.get(Resources.ConfigMap, (p.status?.generatedObjects ?? []).find((o) => o.kind === 'ConfigMap')!.name, ns)).toBeDefined();
    await idle();
    expect(content(await client.get<Obj>(Resources.Ingress, name, gw))).toBe(before);
    // Deleting the pipeline leaves their MCP server alone.
    await client.delete(ragPipelineResource, 'kb', ns);
    await waitFor(async () => !(await client.get(ragPipelineResource, 'kb', ns)), { timeoutMs: 30_000, description: 'pipeline gone' });
    expect(content(await client.get<Obj>(Resources.Ingress, name, gw))).toBe(before);
  });

  it('migrates from the aiop-* objects of earlier versions: old routes, plugins and registries go, nothing is left', async () => {
    const ns = await uniqueNamespace('console-migrate-pool');
    const gw = await uniqueNamespace('console-migrate-gw');
    const owner = { kind: 'ModelPool', namespace: ns, name: 'p' };
    const ownerMeta = { labels: ownerLabels(owner), annotations: ownerAnnotations(owner) };
    const backend = { resource: { apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' } };
    await client.create(Resources.Ingress, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'aiop-old-m-12345678',
        namespace: gw,
        ...ownerMeta,
        annotations: { ...ownerMeta.annotations, 'higress.io/exact-match-header-x-higress-llm-model': 'm' },
      },
      spec: { ingressClassName: 'higress', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
    });
    await client.create(Resources.WasmPlugin, {
      apiVersion: 'extensions.higress.io/v1alpha1',
      kind: 'WasmPlugin',
      metadata: { name: 'aiop-ai-proxy', namespace: gw, labels: { 'app.kubernetes.io/managed-by': 'higress-ai-operator' } },
      spec: { url: 'oci://x/ai-proxy:1', defaultConfigDisable: true, matchRules: [] },
    });
    await createBridgeWithV1Owners(gw, { 'aiop-old-m-12345678': `ModelPool/${ns}/p` }, [
      { name: 'aiop-old-m-12345678', type: 'dns', domain: 'm.svc', port: 8000, protocol: 'http' },
    ]);
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('m')] }));
    await waitReady(ns, 'p');
    await waitFor(async () => !(await client.get(Resources.WasmPlugin, 'aiop-ai-proxy', gw)), { timeoutMs: 20_000, description: 'old ai-proxy removed' });
    const ingresses = (await client.list(Resources.Ingress, { namespace: gw })).items.map((i) => i.metadata.name);
    expect(ingresses).toEqual([`ai-route-${consoleName([ns, 'p', 'm'])}.internal`]);
    const regs = (await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries?.map((r) => r.name);
    expect(regs).toEqual([`llm-${consoleName([ns, 'p', 'm'])}.internal`]);
  });

  it("rewrites v1 owners records as v2 once: foreign items untouched, a deleted pool's items gone, then no writes", async () => {
    const ns = await uniqueNamespace('console-owners-v1-pool');
    const gw = await gatewayNamespace('console-owners-v1-gw');
    const live = consoleName([ns, 'p', 'm']);
    const gone = consoleName([ns, 'gone', 'm']);
    const [livePool, gonePool, foreign] = [`ModelPool/${ns}/p`, `ModelPool/${ns}/gone`, 'Foreign/elsewhere/x'];
    const provider = (id: string) => ({ id, type: 'openai', apiTokens: [] });
    const rule = (id: string): MatchRule => ({ service: [`llm-${id}.internal.dns`], configDisable: false, config: { activeProviderId: id } });
    const proxy = newConsolePlugin(CONSOLE_PLUGINS['ai-proxy.internal'], gw);
    await client.create(Resources.WasmPlugin, {
      ...proxy,
      metadata: {
        ...proxy.metadata,
        annotations: {
          ...proxy.metadata.annotations,
          [ENTRY_OWNERS_ANNOTATION]: JSON.stringify({
            'entry:foreign-p': foreign,
            [ruleKey(rule('foreign-p'))]: foreign,
            [`entry:${live}`]: livePool,
            [`entry:${gone}`]: gonePool,
            [ruleKey(rule(gone))]: gonePool,
          }),
        },
      },
      spec: {
        ...proxy.spec,
        defaultConfig: { providers: [provider('console-p'), provider('foreign-p'), provider(live), provider(gone)] },
        defaultConfigDisable: false,
        matchRules: [rule('console-p'), rule('foreign-p'), rule(gone)],
      },
    });
    const registry = (name: string) => ({ name, type: 'dns', domain: `${name}.svc`, port: 8000, protocol: 'http' });
    await createBridgeWithV1Owners(gw, { 'llm-foreign.internal': foreign, [`llm-${live}.internal`]: livePool, [`llm-${gone}.internal`]: gonePool }, [
      registry('console-r'),
      registry('llm-foreign.internal'),
      registry(`llm-${live}.internal`),
      registry(`llm-${gone}.internal`),
    ]);

    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models: [vllm('m')] }));
    await waitReady(ns, 'p');
    await idle();

    const plugin = await client.get<PluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
    const entryOwners = plugin!.metadata.annotations![ENTRY_OWNERS_ANNOTATION]!;
    expect(entryOwners).toMatch(/^\{"v":2,/);
    expect(parseOwners(entryOwners)).toEqual({
      'entry:foreign-p': foreign,
      [ruleKey(rule('foreign-p'))]: foreign,
      [`entry:${live}`]: livePool,
      [ruleKey(rule(live))]: livePool,
    });
    const providers = plugin!.spec.defaultConfig!.providers as { id: string }[];
    expect(providers.map((p) => p.id)).toEqual(['console-p', 'foreign-p', live]);
    expect(providers[1]).toEqual(provider('foreign-p'));
    expect(plugin!.spec.matchRules!.map((r) => r.config.activeProviderId).sort()).toEqual(['console-p', 'foreign-p', live].sort());

    const bridge = await client.get<McpBridge>(Resources.McpBridge, 'default', gw);
    const registryOwners = bridge!.metadata.annotations![REGISTRY_OWNERS_ANNOTATION]!;
    expect(registryOwners).toMatch(/^\{"v":2,/);
    expect(parseOwners(registryOwners)).toEqual({ 'llm-foreign.internal': foreign, [`llm-${live}.internal`]: livePool });
    expect(bridge!.spec!.registries!.map((r) => r.name)).toEqual(['console-r', 'llm-foreign.internal', `llm-${live}.internal`]);
    expect(bridge!.spec!.registries![1]).toEqual(registry('llm-foreign.internal'));

    // Settled: quiet, then a full resync, costs zero writes.
    const before = writeCount({ namespaces: [ns, gw] }); // this test's namespaces: other files share the API server
    await new Promise((r) => setTimeout(r, 1000));
    operator.resync();
    await idle();
    expect(writeCount({ namespaces: [ns, gw] }) - before).toBe(0);
    await client.delete(modelPoolResource, 'p', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'p', ns)), { timeoutMs: 30_000, description: 'pool gone' });
  });

  it('warns when two gateway namespaces share one ingress class (issue 7 finding 4)', async () => {
    const ns = await uniqueNamespace('console-class-pool');
    const [gw1, gw2, gw3] = [
      await uniqueNamespace('console-class-gw1'),
      await uniqueNamespace('console-class-gw2'),
      await uniqueNamespace('console-class-gw3'),
    ];
    const shared = `shared-${ns}`;
    await client.create(modelPoolResource, pool(ns, 'a', { gateway: { namespace: gw1, ingressClassName: shared }, models: [vllm('a')] }));
    await client.create(modelPoolResource, pool(ns, 'b', { gateway: { namespace: gw2, ingressClassName: shared }, models: [vllm('b')] }));
    await client.create(modelPoolResource, pool(ns, 'c', { gateway: { namespace: gw3, ingressClassName: `own-${ns}` }, models: [vllm('c')] }));
    const cond = (p: ModelPoolObject | undefined) => p?.status?.conditions?.find((c) => c.type === 'IngressClass');
    await waitFor(async () => cond(await client.get<ModelPoolObject>(modelPoolResource, 'a', ns))?.reason === 'SharedWithOtherGateway', {
      timeoutMs: 20_000,
      description: 'pool a warned',
    });
    await waitFor(async () => cond(await client.get<ModelPoolObject>(modelPoolResource, 'b', ns))?.message?.includes(gw1), {
      timeoutMs: 20_000,
      description: 'pool b warned',
    });
    const c = await waitReady(ns, 'c');
    expect(cond(c)).toBeUndefined();
    const ing = (await client.list<Obj>(Resources.Ingress, { namespace: gw3 })).items[0];
    expect((ing?.spec as { ingressClassName?: string }).ingressClassName).toBe(`own-${ns}`);
  });
});
