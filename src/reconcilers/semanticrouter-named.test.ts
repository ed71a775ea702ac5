import { describe, expect, it } from '@jest/globals';
import { modelPoolSchema, type ModelPool } from '../api/v1alpha1/modelpool.js';
import { semanticRouterSchema, type SemanticRouter } from '../api/v1alpha1/semanticrouter.js';
import { checkHigressObject } from '../contracts/higress/registry.js';
import type { Ingress } from '../higress/types.js';
import { buildRouteTable, resolveRoute, type RouteRequest } from '../../test/support/higress-routes.js';
import { renderModelPool } from './modelpool.js';
import { renderSemanticRouter, ROUTER_HOP_SEGMENT } from './semanticrouter.js';
import { semanticRouterStatus } from './semanticrouter-status.js';

// Named-model sampling through the gateway, decided by how Higress itself orders routes
// (test/support/higress-routes.ts ports SortHTTPRoutes and the rule-key deduplication of alibaba/higress v2.2.1):
// the client's request naming a candidate reaches the router's route on the longer path prefix, the router's forward under
// router-hop reaches the pool's own route, never the router's again.

const GW = 'higress-system';

function pool(gateway: Record<string, unknown> = {}): ModelPool {
  return modelPoolSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { namespace: 'team-a', name: 'chat' },
    spec: {
      models: [
        {
          name: 'gpt-4o',
          provider: { type: 'openai-compatible', endpoint: 'http://sim:8090/v1' },
          pricing: { inputPerMillionTokens: 5, outputPerMillionTokens: 15 },
        },
        { name: 'gemini-flash', provider: { type: 'openai-compatible', endpoint: 'http://sim:8090/v1' } },
        { name: 'llama-8b', provider: { type: 'vllm', endpoint: 'http://vllm:8000/v1' } },
      ],
      gateway: { namespace: GW, ingressClassName: 'higress', path: '/', ...gateway },
    },
  });
}

function router(flywheel: Record<string, unknown>, name = 'auto', created?: string): SemanticRouter {
  return semanticRouterSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { namespace: 'team-a', name, ...(created ? { creationTimestamp: created } : {}) },
    spec: { poolRef: { name: 'chat' }, candidates: ['gpt-4o', 'gemini-flash'], baselineModel: 'gpt-4o', flywheel },
  });
}

function setUp(p: ModelPool, r: SemanticRouter) {
  const poolRender = renderModelPool(p, { secrets: new Map() });
  const { render } = renderSemanticRouter({ router: r, pool: p.spec });
  const table = buildRouteTable([...poolRender.ingresses, ...render!.gateway.routes.map((x) => x.ingress)], GW);
  const poolRoute = (model: string) => poolRender.routes.find((x) => JSON.parse(x.configMap.data.data!).modelPredicates[0].matchValue === model)!.ingresses[0]!;
  const post = (path: string, model: string, host?: string): RouteRequest => ({
    method: 'POST',
    path,
    ...(host ? { host } : {}),
    headers: { 'content-type': 'application/json', 'x-higress-llm-model': model },
  });
  return { poolRender, render: render!, table, poolRoute, post };
}

describe('named-model sampling through the gateway (route order as Higress decides it)', () => {
  it('sends a client naming a candidate to the router and the router’s forward to the pool’s own route', () => {
    const { render, table, poolRoute, post } = setUp(pool(), router({ sampleNamedModels: true }));
    const named = render.gateway.routes.find((r) => r.kind === 'named')!;
    const virtual = render.gateway.routes.find((r) => r.kind === 'virtual')!;
    const hopPath = new URL(`${render.config.upstream.baseUrl}/chat/completions`).pathname;
    expect(hopPath).toBe(`/${ROUTER_HOP_SEGMENT}/v1/chat/completions`);
    for (const model of ['gpt-4o', 'gemini-flash']) {
      expect(resolveRoute(table, post('/v1/chat/completions', model))?.name).toBe(named.ingress.metadata.name);
      expect(resolveRoute(table, post('/v1/chat/completions?x=1', model))?.name).toBe(named.ingress.metadata.name);
      // The loop guard: the forward matches the pool's route, not the router's.
      expect(resolveRoute(table, post(hopPath, model))?.name).toBe(poolRoute(model).metadata.name);
    }
    // Not a candidate: the pool's route as before. The virtual name: the router, and its choice goes back via router-hop.
    expect(resolveRoute(table, post('/v1/chat/completions', 'llama-8b'))?.name).toBe(poolRoute('llama-8b').metadata.name);
    expect(resolveRoute(table, post('/v1/chat/completions', 'auto'))?.name).toBe(virtual.ingress.metadata.name);
    // Paths the router does not serve stay with the pool (embeddings naming a chat model, say).
    expect(resolveRoute(table, post('/v1/embeddings', 'gpt-4o'))?.name).toBe(poolRoute('gpt-4o').metadata.name);
    expect(named.ingress.metadata.annotations!['higress.io/destination']).toBe(virtual.ingress.metadata.annotations!['higress.io/destination']);
    // higress-console AiRoute.validate refuses any path predicate but PRE: the console could not re-save an EQUAL one.
    expect(named.json.pathPredicate).toEqual({ matchType: 'PRE', matchValue: '/v1/chat/completions', caseSensitive: true });
    expect(checkHigressObject(named.ingress)).toEqual([]);
    expect(checkHigressObject(named.configMap)).toEqual([]);
  });

  it('follows the pool’s path and hosts (the route must sit in the pool’s virtual hosts)', () => {
    const { render, table, poolRoute, post } = setUp(pool({ path: '/openai', hosts: ['llm.example.com'] }), router({ sampleNamedModels: true }));
    const named = render.gateway.routes.find((r) => r.kind === 'named')!;
    expect(named.ingress.spec.rules?.map((r) => r.host)).toEqual(['llm.example.com']);
    expect(render.config.upstream.baseUrl).toBe(`http://higress-gateway.${GW}.svc.cluster.local/openai/${ROUTER_HOP_SEGMENT}/v1`);
    const hopPath = `/openai/${ROUTER_HOP_SEGMENT}/v1/chat/completions`;
    expect(resolveRoute(table, post('/openai/v1/chat/completions', 'gpt-4o', 'llm.example.com'))?.name).toBe(named.ingress.metadata.name);
    expect(resolveRoute(table, post(hopPath, 'gpt-4o', 'llm.example.com'))?.name).toBe(poolRoute('gpt-4o').metadata.name);
    expect(resolveRoute(table, post('/v1/chat/completions', 'gpt-4o', 'other.example.com'))).toBeUndefined();
    // A pool served under /v1 is called at /v1/chat/completions; the way back stays under its prefix.
    const v1 = setUp(pool({ path: '/v1' }), router({ sampleNamedModels: true }));
    const namedV1 = v1.render.gateway.routes.find((r) => r.kind === 'named')!;
    expect(namedV1.ingress.spec.rules?.[0]?.http?.paths[0]?.path).toBe('/v1/chat/completions');
    expect(resolveRoute(v1.table, v1.post('/v1/chat/completions', 'gpt-4o'))?.name).toBe(namedV1.ingress.metadata.name);
    const hopV1 = new URL(`${v1.render.config.upstream.baseUrl}/chat/completions`).pathname;
    expect(hopV1).toBe(`/v1/${ROUTER_HOP_SEGMENT}/v1/chat/completions`);
    expect(resolveRoute(v1.table, v1.post(hopV1, 'gpt-4o'))?.name).toBe(v1.poolRoute('gpt-4o').metadata.name);
  });

  it('leaves the pool’s traffic and the router’s upstream alone without the opt-in, or when the flywheel samples nothing', () => {
    for (const flywheel of [{}, { sampleNamedModels: true, mode: 'off' }, { sampleNamedModels: true, sampleRate: 0 }]) {
      const { render, table, poolRoute, post } = setUp(pool(), router(flywheel));
      expect(render.gateway.routes.map((r) => r.kind)).toEqual(['virtual']);
      expect(render.config.upstream.baseUrl).toBe(`http://higress-gateway.${GW}.svc.cluster.local/v1`);
      expect(resolveRoute(table, post('/v1/chat/completions', 'gpt-4o'))?.name).toBe(poolRoute('gpt-4o').metadata.name);
      expect(render.named).toMatchObject({ active: false, reason: 'mode' in flywheel || 'sampleRate' in flywheel ? 'FlywheelOff' : 'Disabled' });
    }
  });

  it('sends the router’s choices to the pool’s own path without the opt-in too (a pool under /openai is not served at /v1)', () => {
    const { render, table, poolRoute, post } = setUp(pool({ path: '/openai' }), router({}));
    expect(render.config.upstream.baseUrl).toBe(`http://higress-gateway.${GW}.svc.cluster.local/openai/v1`);
    const choice = new URL(`${render.config.upstream.baseUrl}/chat/completions`).pathname;
    expect(resolveRoute(table, post(choice, 'gpt-4o'))?.name).toBe(poolRoute('gpt-4o').metadata.name);
    expect(resolveRoute(table, post('/v1/chat/completions', 'gpt-4o'))).toBeUndefined();
    expect(setUp(pool({ path: '/v1' }), router({})).render.config.upstream.baseUrl).toBe(`http://higress-gateway.${GW}.svc.cluster.local/v1`);
  });

  it('lets one router per pool hold the named route; Higress would keep only the older of two identical ones', () => {
    const p = pool();
    const first = renderSemanticRouter({ router: router({ sampleNamedModels: true }, 'a'), pool: p.spec }).render!;
    const second = renderSemanticRouter({ router: router({ sampleNamedModels: true }, 'b'), pool: p.spec }).render!;
    const [ia, ib] = [first, second].map((r) => r.gateway.routes.find((x) => x.kind === 'named')!.ingress);
    // Same predicates: the rule key (host, path, headers) is equal, so the gateway drops the later Ingress.
    const created = (i: Ingress, at: string): Ingress => ({ ...i, metadata: { ...i.metadata, creationTimestamp: at } as Ingress['metadata'] });
    const table = buildRouteTable([created(ib!, '2026-11-30T10:00:01Z'), created(ia!, '2026-11-30T10:00:00Z')], GW);
    expect(table.get('*')!.map((r) => r.name)).toEqual([ia!.metadata.name]);
    const held = renderSemanticRouter({ router: router({ sampleNamedModels: true }, 'b'), pool: p.spec, namedSamplingHeldBy: 'SemanticRouter/team-a/a' });
    expect(held.render!.named).toMatchObject({ active: false, reason: 'NamedSamplingConflict' });
    expect(held.render!.gateway.routes.map((r) => r.kind)).toEqual(['virtual']);
  });

  it('says in a condition whether named traffic passes through the router, and why not', () => {
    const observed = { runtimeAvailable: true, runtimeMessage: 'up', failures: 0 };
    const conditionOf = (r: SemanticRouter, extra: { namedSamplingHeldBy?: string } = {}) => {
      const { render, issues } = renderSemanticRouter({ router: r, pool: pool().spec, ...extra });
      return semanticRouterStatus({ render, issues, observed, previous: undefined, pollIntervalMs: 30_000 }).conditions.find(
        (c) => c.type === 'NamedModelSampling',
      );
    };
    expect(conditionOf(router({ sampleNamedModels: true }))).toMatchObject({
      status: 'True',
      reason: 'Active',
      message: expect.stringMatching(
        /^POST \/v1\/chat\/completions naming gpt-4o, gemini-flash passes through the router .* \(AI route ai-route-sr-team-a-auto-named-[0-9a-f]{6}\.internal\)$/,
      ),
    });
    expect(conditionOf(router({}))).toMatchObject({ status: 'False', reason: 'Disabled' });
    expect(conditionOf(router({ sampleNamedModels: true }), { namedSamplingHeldBy: 'SemanticRouter/team-a/old' })).toMatchObject({
      status: 'False',
      reason: 'NamedSamplingConflict',
      message: expect.stringContaining('SemanticRouter/team-a/old'),
    });
  });
});

describe('the route-order port (test/support/higress-routes.ts) against Higress’s own test', () => {
  // pkg/ingress/kube/common/tool_test.go TestSortHTTPRoutesWithMoreRules, its routes without query matches
  // (1 Exact /bar; 2 Prefix /bar; 3 + methods GET|PUT; 4 + method GET; 5 + one header; 6 + two headers):
  // Higress expects 1, 9, 10, 4, 3, 6, 5, 8, 7, 2, i.e. 1, 4, 3, 6, 5, 2 for these.
  it('orders routes as SortHTTPRoutes does', () => {
    const ing = (order: number, pathType: 'Exact' | 'Prefix', annotations: Record<string, string> = {}): Ingress => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: String(order), namespace: GW, annotations, creationTimestamp: `2026-11-30T10:00:0${order}Z` } as Ingress['metadata'],
      spec: {
        ingressClassName: 'higress',
        rules: [
          { http: { paths: [{ path: '/bar', pathType, backend: { resource: { apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' } } }] } },
        ],
      },
    });
    const table = buildRouteTable(
      [
        ing(1, 'Exact'),
        ing(2, 'Prefix'),
        ing(3, 'Prefix', { 'higress.io/match-method': 'GET PUT' }),
        ing(4, 'Prefix', { 'higress.io/match-method': 'GET' }),
        ing(5, 'Prefix', { 'higress.io/exact-match-header-foo': 'bar' }),
        ing(6, 'Prefix', { 'higress.io/exact-match-header-foo': 'bar', 'higress.io/exact-match-header-bar': 'foo' }),
      ],
      GW,
    );
    expect(table.get('*')!.map((r) => r.name)).toEqual(['1', '4', '3', '6', '5', '2']);
  });
});
