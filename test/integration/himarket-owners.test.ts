// spec.publish on every owner kind, run as the operator's ServiceAccount (generated RBAC) on the real API
// server: a multi-model ModelPool links the one route spec.publish.target names (and the link moves with it),
// a SemanticRouter publishes its virtual model, an AgentProduct its MCP server and its agent. Then HiMarket's
// subscription approval: the contract server makes the console calls HiMarket makes (POST /v1/consumers,
// GET + PUT /v1/ai/routes/{n}), the console test server rewrites the route as AiRouteServiceImpl.update does,
// and the operator keeps the consumer and converges.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AgentProductSpecIn } from '../../src/api/v1alpha1/agentproduct.js';
import type { PublishStatus } from '../../src/api/v1alpha1/publish.js';
import type { SemanticRouterSpecIn } from '../../src/api/v1alpha1/semanticrouter.js';
import { agentProductResource } from '../../src/controllers/agentproduct.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { semanticRouterResource } from '../../src/controllers/semanticrouter.js';
import { parseAiRoute } from '../../src/higress/console/ai-route.js';
import { consoleName } from '../../src/higress/console/meta.js';
import { globalRequestStats, writeCount } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { OWNER_NAME_LABEL } from '../../src/kube/owner.js';
import { Resources, type ResourceType } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { agentRouteName, mcpServerName } from '../../src/reconcilers/agentproduct.js';
import { consoleName as routerRouteName } from '../../src/reconcilers/semanticrouter-gateway.js';
import { createLogger } from '../../src/util/log.js';
import { PETSTORE } from './support/petstore.js';
import { client, CONSOLE_PASSWORD, createPool, HIMARKET_PASSWORD, startHiMarketEnv, waitConnection, type HiMarketEnv } from './himarket-fixture.js';
import { operatorKubeConfig, waitFor } from './support/kube.js';

type Owner = KubeObject & { status?: { publish?: PublishStatus; conditions?: Array<{ type: string; status: string; reason: string }> } };
interface PluginObj extends KubeObject {
  spec: {
    matchRules?: Array<{ ingress?: string[]; service?: string[]; config: { allow?: string[] } }>;
    defaultConfig?: { consumers?: Array<{ name: string; credentials?: string[] }> };
  };
}

let operator: Operator;
let env: HiMarketEnv;
const logLines: string[] = [];

beforeAll(async () => {
  env = await startHiMarketEnv('hm-own', { operatorRbac: true });
  // Every log line kept (debug included) for the secret-grep at the end.
  const sink = { write: (line: string) => void logLines.push(line) };
  operator = await startOperator({ kubeConfig: operatorKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'debug', sink) });
  await operator.synced;
  await waitConnection(env);
});
afterAll(async () => {
  await operator?.stop();
  await env?.stop();
});

const publish = (over: Record<string, unknown> = {}) => ({
  connectionRef: { name: 'himarket' },
  description: 'Published by the operator',
  categories: ['llm'],
  ...over,
});
const vllm = (name: string) => ({ name, provider: { type: 'openai-compatible' as const, endpoint: `http://${name}.llm.local/v1` } });
const reasonOf = (o: Owner | undefined) => o?.status?.publish?.conditions?.find((c) => c.type === 'Published')?.reason;

async function waitOwner(rt: ResourceType, name: string, pred: (o: Owner) => boolean, description: string, timeoutMs = 30_000, ns = env.ns): Promise<Owner> {
  return waitFor(
    async () => {
      const o = await client.get<Owner>(rt, name, ns);
      return o && pred(o) ? o : undefined;
    },
    { timeoutMs, description },
  );
}
const published = (rt: ResourceType, name: string, pred: (o: Owner) => boolean = () => true, ns = env.ns) =>
  waitOwner(rt, name, (o) => reasonOf(o) === 'Published' && pred(o), `${rt.kind} ${name} Published`, 30_000, ns);

/**
 * Requests on objects in the test's namespaces (the operator, the console test server and this test share one
 * counter; the operators of other test files, on the same API server, act on theirs and are not counted).
 */
function ownRequests(where: { ns: string; gw: string }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ns of [where.ns, where.gw]) for (const [k, v] of Object.entries(globalRequestStats.snapshotIn(ns))) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** No API-server write in the test's namespaces for `quietMs`. */
async function quiet(where: { ns: string; gw: string }, quietMs = 1500, timeoutMs = 60_000): Promise<void> {
  const { gw } = where;
  const deadline = Date.now() + timeoutMs;
  let diff: Record<string, number> = {};
  const writes = () => writeCount({ namespaces: [where.ns, where.gw] });
  while (Date.now() < deadline) {
    const before = ownRequests(where);
    const n = writes();
    await new Promise((r) => setTimeout(r, quietMs));
    if (writes() === n) return;
    const after = ownRequests(where);
    diff = Object.fromEntries(
      Object.entries(after)
        .filter(([k, v]) => v !== (before[k] ?? 0))
        .map(([k, v]) => [k, v - (before[k] ?? 0)]),
    );
  }
  const rv = async () =>
    Object.fromEntries(
      (await client.list<KubeObject>(Resources.WasmPlugin, { namespace: gw })).items.map((o) => [o.metadata.name, o.metadata.resourceVersion]),
    );
  const a = await rv();
  await new Promise((r) => setTimeout(r, 1000));
  const b = await rv();
  const moving = Object.keys(b).filter((k) => a[k] !== b[k]);
  throw new Error(`still writing after ${timeoutMs} ms: ${JSON.stringify(diff)}; WasmPlugins changing: ${moving.join(', ')}`);
}

describe('ModelPool with several models: one product, one route', () => {
  it('no alias and no target is refused at admission; a target links its route; a new target moves the link, same product', async () => {
    const spec = (target?: string) =>
      ({ gateway: { namespace: env.gw }, models: [vllm('qwen-max'), vllm('gpt-4o')], publish: publish(target ? { target } : {}) }) as never;
    await expect(createPool(env.ns, 'multi', spec())).rejects.toThrow(/publish.target is required when the pool has several models and no alias/);
    expect(env.himarket.productsNamed(`${env.ns}-multi`)).toHaveLength(0);

    await createPool(env.ns, 'multi', spec('qwen-max'));
    const qwenRoute = consoleName([env.ns, 'multi', 'qwen-max']);
    const first = await published(modelPoolResource, 'multi', (o) => o.status?.publish?.linkTarget?.modelRouteName === qwenRoute);
    const productId = first.status!.publish!.productId!;
    const doc = env.himarket.products.get(productId)!.document!;
    expect(doc).toContain('- `qwen-max`');
    expect(doc).not.toContain('gpt-4o'); // the product sells what its one route grants

    await client.patch(modelPoolResource, 'multi', env.ns, { spec: { publish: { target: 'gpt-4o' } } }, 'merge');
    const gptRoute = consoleName([env.ns, 'multi', 'gpt-4o']);
    const moved = await published(modelPoolResource, 'multi', (o) => o.status?.publish?.linkTarget?.modelRouteName === gptRoute);
    expect(moved.status!.publish!.productId).toBe(productId);
    expect(env.himarket.products.get(productId)!.ref).toMatchObject({ higressRefConfig: { modelRouteName: gptRoute } });
    expect(env.himarket.requests).toContain(`DELETE /products/${productId}/ref`);
    expect(env.himarket.publications.filter((p) => p.productId === productId)).toHaveLength(2);
    expect(env.himarket.productsNamed(`${env.ns}-multi`)).toHaveLength(1);
    expect(env.himarket.products.get(productId)!.document).toContain('- `gpt-4o`');
  });

  it('with an alias and no target, the alias route is the product', async () => {
    await createPool(env.ns, 'aliased', { gateway: { namespace: env.gw }, models: [vllm('m1'), vllm('m2')], alias: 'chat', publish: publish() });
    const p = await published(modelPoolResource, 'aliased');
    expect(p.status!.publish!.linkTarget!.modelRouteName).toBe(consoleName([env.ns, 'aliased', 'alias', 'chat']));
  });
});

/** An admin cancels a subscription in HiMarket, which revokes it through the console. (`env` is passed in: a describe below has its own.) */
async function cancelSubscription(env: HiMarketEnv, sub: { consumerId: string; subscriptionId: string }): Promise<void> {
  const login = await fetch(`${env.himarket.url}/admins/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: HIMARKET_PASSWORD }),
  });
  const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const cancel = await fetch(`${env.himarket.url}/consumers/${sub.consumerId}/subscriptions/${sub.subscriptionId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(cancel.status).toBe(200);
}

/** A two-model pool and a SemanticRouter over it that publishes its `auto` route as `productName`. */
async function createPublishedRouter(env: HiMarketEnv, pool: string, name: string, productName: string): Promise<void> {
  await createPool(env.ns, pool, { gateway: { namespace: env.gw }, models: [vllm('small'), vllm('large')] });
  const spec: SemanticRouterSpecIn = { poolRef: { name: pool }, baselineModel: 'large', gateway: { namespace: env.gw }, publish: publish({ productName }) };
  await client.create(semanticRouterResource, {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { name, namespace: env.ns },
    spec,
  } as unknown as KubeObject);
}

describe('SemanticRouter spec.publish', () => {
  it('publishes its virtual model as a MODEL_API product linked to the router console AI route; delete removes it', async () => {
    await createPublishedRouter(env, 'matrix', 'router', `${env.ns}-router`);
    const route = routerRouteName({ kind: 'SemanticRouter', namespace: env.ns, name: 'router' }, 'auto');
    const r = await published(semanticRouterResource, 'router');
    expect(r.status!.publish).toMatchObject({ linkState: 'Linked', linkTarget: { modelRouteName: route }, productStatus: 'PUBLISHED' });
    expect(env.console.requests).toContain(`GET /v1/ai/routes/${route}`);
    const productId = r.status!.publish!.productId!;
    expect(env.himarket.products.get(productId)).toMatchObject({ type: 'MODEL_API' });
    expect(env.himarket.products.get(productId)!.document).toContain('"model":"auto"');
    // The router's own controller keeps writing its status; status.publish survives it.
    expect((r.status as { generatedObjects?: unknown[] }).generatedObjects?.length).toBeGreaterThan(0);

    await client.delete(semanticRouterResource, 'router', env.ns);
    await waitFor(async () => !(await client.get(semanticRouterResource, 'router', env.ns)), { timeoutMs: 30_000, description: 'router gone' });
    expect(env.himarket.products.has(productId)).toBe(false);
  });
});

describe('AgentProduct spec.publish', () => {
  const create = (name: string, spec: AgentProductSpecIn) =>
    client.create(agentProductResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'AgentProduct',
      metadata: { name, namespace: env.ns },
      spec,
    } as unknown as KubeObject);

  it('type MCP_SERVER: the tool source MCP server as the console lists it', async () => {
    await create('tools', {
      gateway: { namespace: env.gw },
      tools: [{ name: 'pets', openapi: { inline: PETSTORE } }],
      publish: publish({ type: 'MCP_SERVER' }),
    });
    const server = mcpServerName(env.ns, 'tools', 'pets');
    const p = await published(agentProductResource, 'tools');
    expect(p.status!.publish).toMatchObject({ linkState: 'Linked', linkTarget: { mcpServerName: server } });
    expect(env.console.requests).toContain(`GET /v1/mcpServer/${server}`);
    const row = env.himarket.products.get(p.status!.publish!.productId!)!;
    expect(row.type).toBe('MCP_SERVER');
    expect(row.document).toContain(`/mcp-servers/${server}`);
    expect(row.document).toContain('- `');
  });

  it('with an agent, by default: the agent as a MODEL_API on its console AI route', async () => {
    await create('shop', {
      gateway: { namespace: env.gw },
      tools: [{ name: 'pets', openapi: { inline: PETSTORE } }],
      agent: { model: { pool: 'matrix', name: 'large' } },
      publish: publish(),
    });
    const p = await published(agentProductResource, 'shop');
    expect(p.status!.publish).toMatchObject({ linkTarget: { modelRouteName: agentRouteName(env.ns, 'shop') } });
    const row = env.himarket.products.get(p.status!.publish!.productId!)!;
    expect(row.type).toBe('MODEL_API');
    expect(row.document).toContain(`http://gw.example.com/agents/${env.ns}-shop/v1/chat/completions`);
  });

  it('delete: both products leave HiMarket with their AgentProducts', async () => {
    const ids = await Promise.all(['tools', 'shop'].map(async (n) => (await client.get<Owner>(agentProductResource, n, env.ns))!.status!.publish!.productId!));
    for (const n of ['tools', 'shop']) await client.delete(agentProductResource, n, env.ns);
    await waitFor(async () => !(await client.get(agentProductResource, 'tools', env.ns)) && !(await client.get(agentProductResource, 'shop', env.ns)), {
      timeoutMs: 30_000,
      description: 'AgentProducts gone',
    });
    for (const id of ids) expect(env.himarket.products.has(id)).toBe(false);
  });
});

describe('subscription approval rewrites the AI route through the console', () => {
  // A gateway namespace of its own: the write-loop check must see only this pool and the console's rewrite.
  let env: HiMarketEnv;
  beforeAll(async () => {
    env = await startHiMarketEnv('hm-appr', { operatorRbac: true });
    await waitConnection(env);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('approval → console PUT of the route → the operator keeps the consumer everywhere, takes its objects back and goes quiet', async () => {
    await createPool(env.ns, 'sub', { gateway: { namespace: env.gw }, models: [vllm('deepseek')], publish: publish() });
    const p = await published(modelPoolResource, 'sub', undefined, env.ns);
    const route = p.status!.publish!.linkTarget!.modelRouteName!;
    const ingress = `ai-route-${route}.internal`;
    await quiet(env);

    const sub = await env.himarket.approveSubscription(p.status!.publish!.productId!);
    expect(env.console.requests).toEqual(expect.arrayContaining(['POST /v1/consumers', `GET /v1/ai/routes/${route}`, `PUT /v1/ai/routes/${route}`]));
    expect(env.console.aiRouteWrites).toEqual([route]);

    // The console's rewrite dropped our labels (HiMarket's DTO has no customLabels); the operator takes the
    // objects back and keeps the grant: route JSON, key-auth allow-list and the consumer itself.
    const cm = await waitFor(
      async () => {
        const c = await client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, `ai-route-${route}`, env.gw);
        return c?.metadata.labels?.[OWNER_NAME_LABEL] === 'sub' ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'owner labels back on the route ConfigMap' },
    );
    await quiet(env);
    expect(
      parseAiRoute(await client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.authConfig
        .allowedConsumers,
    ).toEqual([sub.consumerId]);
    expect(parseAiRoute(cm)?.authConfig.allowedConsumers).toEqual([sub.consumerId]);
    const ing = await client.get<KubeObject>(Resources.Ingress, ingress, env.gw);
    expect(ing?.metadata.labels?.[OWNER_NAME_LABEL]).toBe('sub');
    const keyAuth = await client.get<PluginObj>(Resources.WasmPlugin, 'key-auth.internal', env.gw);
    const rule = keyAuth?.spec.matchRules?.find((r) => r.ingress?.length === 1 && r.ingress[0] === ingress && !r.service?.length);
    expect(rule?.config.allow).toEqual([sub.consumerId]);
    expect(keyAuth?.spec.defaultConfig?.consumers?.find((c) => c.name === sub.consumerId)?.credentials).toEqual([`Bearer ${sub.apiKey}`]);
    const after = await client.get<Owner>(modelPoolResource, 'sub', env.ns);
    expect(after?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(reasonOf(after)).toBe('Published');

    // HiMarket does not tell the operator about a subscription: the count in status follows on the next
    // re-sync (the 5-minute poll; a resync here). That write is news, not a loop; after it, a resync writes nothing.
    operator.resync();
    await waitOwner(modelPoolResource, 'sub', (o) => o.status?.publish?.subscriptions === 1, 'subscriptions = 1', 30_000, env.ns);
    await quiet(env);
    const snap = ownRequests(env);
    operator.resync();
    await quiet(env);
    const now = ownRequests(env);
    const writes = Object.entries(now).filter(([k, v]) => /^(create|update|updateStatus|patch|patchStatus|delete) /.test(k) && v !== (snap[k] ?? 0));
    expect(writes).toEqual([]);

    // Cancelling revokes through the console the same way (GET, consumer removed, PUT): the operator keeps the
    // revocation too — the allow-list belongs to whoever grants, never to the render.
    await cancelSubscription(env, sub);
    expect(env.console.aiRouteWrites).toEqual([route, route]);
    await waitFor(async () => (await client.get<KubeObject>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.metadata.labels?.[OWNER_NAME_LABEL] === 'sub', {
      timeoutMs: 30_000,
      description: 'owner labels back after the revoke',
    });
    await quiet(env);
    expect(
      parseAiRoute(await client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.authConfig
        .allowedConsumers,
    ).toEqual([]);
    const revoked = (await client.get<PluginObj>(Resources.WasmPlugin, 'key-auth.internal', env.gw))?.spec.matchRules?.find(
      (r) => r.ingress?.length === 1 && r.ingress[0] === ingress && !r.service?.length,
    );
    expect(revoked?.config.allow).toEqual([]);
  });

  it('a published SemanticRouter: approval → console PUT of the `auto` route → the router keeps the grant, takes the route back, zero writes on resync', async () => {
    await createPublishedRouter(env, 'rpool', 'sr', `${env.ns}-sr`);
    const r = await published(semanticRouterResource, 'sr', undefined, env.ns);
    const route = r.status!.publish!.linkTarget!.modelRouteName!;
    expect(route).toBe(routerRouteName({ kind: 'SemanticRouter', namespace: env.ns, name: 'sr' }, 'auto'));
    const ingress = `ai-route-${route}.internal`;
    await quiet(env);
    const writesBefore = env.console.aiRouteWrites.length;

    const sub = await env.himarket.approveSubscription(r.status!.publish!.productId!);
    expect(env.console.aiRouteWrites.slice(writesBefore)).toEqual([route]);
    type RouteMap = KubeObject & { data?: Record<string, string> };
    // The console replaced the ConfigMap with its own two labels: the router's owner-labelled cache lost it,
    // its last status still lists it, so the router takes it back (labels) and keeps the grant.
    await waitFor(async () => (await client.get<RouteMap>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.metadata.labels?.[OWNER_NAME_LABEL] === 'sr', {
      timeoutMs: 30_000,
      description: 'owner labels back on the router route ConfigMap',
    });
    await quiet(env);
    // HiMarket's DTO carries `enabled` over as it was and sets the allow-list (himarket.md §12).
    const granted = { allowedConsumers: [sub.consumerId] };
    expect(parseAiRoute(await client.get<RouteMap>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.authConfig).toMatchObject(granted);
    expect((await client.get<KubeObject>(Resources.Ingress, ingress, env.gw))?.metadata.labels?.[OWNER_NAME_LABEL]).toBe('sr');
    const rule = (await client.get<PluginObj>(Resources.WasmPlugin, 'key-auth.internal', env.gw))?.spec.matchRules?.find(
      (x) => x.ingress?.length === 1 && x.ingress[0] === ingress && !x.service?.length,
    );
    expect(rule?.config.allow).toEqual([sub.consumerId]);
    const conditions = (await client.get<Owner>(semanticRouterResource, 'sr', env.ns))?.status?.conditions ?? [];
    expect(conditions.map((c) => c.reason)).not.toContain('NameConflict');

    // Resyncs re-render the router from the stored route: the grant stays and nothing is written.
    operator.resync();
    await waitOwner(semanticRouterResource, 'sr', (o) => o.status?.publish?.subscriptions === 1, 'router subscriptions = 1', 30_000, env.ns);
    await quiet(env);
    const snap = ownRequests(env);
    operator.resync();
    await quiet(env);
    operator.resync();
    await quiet(env);
    const now = ownRequests(env);
    const writes = Object.entries(now).filter(([k, v]) => /^(create|update|updateStatus|patch|patchStatus|delete) /.test(k) && v !== (snap[k] ?? 0));
    expect(writes).toEqual([]);
    expect(parseAiRoute(await client.get<RouteMap>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.authConfig).toMatchObject(granted);

    // A cancelled subscription is revoked through the console the same way; the router keeps the revocation.
    await cancelSubscription(env, sub);
    expect(env.console.aiRouteWrites.slice(writesBefore)).toEqual([route, route]);
    await waitFor(async () => (await client.get<RouteMap>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.metadata.labels?.[OWNER_NAME_LABEL] === 'sr', {
      timeoutMs: 30_000,
      description: 'owner labels back after the revoke',
    });
    await quiet(env);
    expect(parseAiRoute(await client.get<RouteMap>(Resources.ConfigMap, `ai-route-${route}`, env.gw))?.authConfig.allowedConsumers).toEqual([]);
  });
});

describe('secret-grep across every publishing kind', () => {
  it('neither password nor a JWT appears in the logs, the events or the status of any ModelPool, SemanticRouter or AgentProduct', async () => {
    const statuses = await Promise.all(
      [modelPoolResource, semanticRouterResource, agentProductResource].map(async (rt) =>
        (await client.list<Owner>(rt, { namespace: env.ns })).items.map((o) => o.status),
      ),
    );
    const events = await Promise.all([env.ns, env.gw].map(async (ns) => (await client.list(Resources.Event, { namespace: ns })).items));
    const haystack = [logLines.join(''), JSON.stringify(events), JSON.stringify(statuses)].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(statuses.flat().length).toBeGreaterThan(0);
    for (const secret of [HIMARKET_PASSWORD, CONSOLE_PASSWORD]) expect(haystack).not.toContain(secret);
    expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});
