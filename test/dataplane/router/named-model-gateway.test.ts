import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { modelPoolSchema, type ModelPool } from '../../../src/api/v1alpha1/modelpool.js';
import { semanticRouterSchema } from '../../../src/api/v1alpha1/semanticrouter.js';
import { renderModelPool } from '../../../src/reconcilers/modelpool.js';
import { renderSemanticRouter, ROUTER_HOP_SEGMENT, type RouterRender } from '../../../src/reconcilers/semanticrouter.js';
import { startRouter, type RouterHandle } from '../../../src/router/serve/server.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, tempDir } from './helpers.js';
import { startRouteTableGateway, type RouteTableGateway } from './route-table-gateway.js';

// Issue 13, through the gateway: with spec.flywheel.sampleNamedModels the operator's objects (the pool's console
// AI routes and the router's, as rendered) make a request naming a candidate go client → gateway → router →
// gateway (router-hop) → the pool's own route → provider, and the router records it. The gateway routes as
// Higress v2.2.1 does (route-table-gateway.ts); the provider is the model-matrix simulator.

const GW = 'higress-system';
const BASELINE = 'gpt-4o-2024-05-13';
const NAMED = 'llama-3.1-8b-instruct';
const OTHER = 'phi-3-mini-4k-instruct'; // in the pool, not a candidate

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(async () => sim.close());

function pool(): ModelPool {
  const models = [BASELINE, NAMED, OTHER].map((id) => {
    const m = sim.models.find((x) => x.id === id)!;
    return {
      name: id,
      provider: { type: 'openai-compatible', endpoint: `${sim.url}/v1` },
      pricing: { inputPerMillionTokens: m.pricePer1MInput, outputPerMillionTokens: m.pricePer1MOutput },
    };
  });
  return modelPoolSchema.parse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { namespace: 'team-a', name: 'chat' }, spec: { models } });
}

function render(p: ModelPool, sampleNamedModels: boolean): RouterRender {
  const router = semanticRouterSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { namespace: 'team-a', name: 'auto' },
    spec: {
      poolRef: { name: 'chat' },
      candidates: [BASELINE, NAMED],
      baselineModel: BASELINE,
      flywheel: { sampleNamedModels, sampleRate: 1, evaluator: { type: 'evaluate', url: sim.url } },
    },
  });
  return renderSemanticRouter({ router, pool: p.spec }).render!;
}

/** The pool's and the router's Ingresses behind one gateway; the router runs the rendered config on loopback. */
async function cluster(
  sampleNamedModels: boolean,
): Promise<{ gateway: RouteTableGateway; router: RouterHandle; r: RouterRender; poolRouteOf: (model: string) => string }> {
  const p = pool();
  const poolRender = renderModelPool(p, { secrets: new Map() });
  const r = render(p, sampleNamedModels);
  const upstreams = new Map<string, string>();
  const routerIngresses = r.gateway.routes.map((x) => x.ingress);
  for (const i of poolRender.ingresses) upstreams.set(i.metadata.annotations!['higress.io/destination']!, `${sim.url}/v1`);
  const gateway = await startRouteTableGateway({ ingresses: [...poolRender.ingresses, ...routerIngresses], systemNamespace: GW, upstreams });
  // The rendered config, with the gateway's loopback origin in place of the in-cluster one and local state.
  const rendered = new URL(r.config.upstream.baseUrl);
  const router = await startRouter(
    {
      ...r.config,
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      upstream: { ...r.config.upstream, baseUrl: `${gateway.url}${rendered.pathname}` },
      store: { kind: 'memory' },
      trainer: { ...r.config.trainer, enabled: false, modelDir: tempDir() },
    },
    { model: new FixedOrderModel([NAMED]) },
  );
  for (const i of routerIngresses) upstreams.set(i.metadata.annotations!['higress.io/destination']!, `${router.url}/v1`);
  const poolRouteOf = (model: string) =>
    poolRender.routes.find(
      (x) => (JSON.parse(x.configMap.data.data!) as { modelPredicates: { matchValue: string }[] }).modelPredicates[0]!.matchValue === model,
    )!.ingresses[0]!.metadata.name;
  return { gateway, router, r, poolRouteOf };
}

const ask = (gateway: RouteTableGateway, model: string, i: number) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 }).chat.completions
    .create({ model, messages: [{ role: 'user', content: renderQuestion(sim.questions[i]!) }] })
    .withResponse();

describe('named-model sampling through the gateway', () => {
  it('sends a request naming a candidate through the router and back to the pool’s route, and records it', async () => {
    const { gateway, router, r, poolRouteOf } = await cluster(true);
    try {
      const namedRoute = r.gateway.routes.find((x) => x.kind === 'named')!.ingress.metadata.name;
      const virtualRoute = r.gateway.routes.find((x) => x.kind === 'virtual')!.ingress.metadata.name;
      const hop = `/${ROUTER_HOP_SEGMENT}/v1/chat/completions`;

      const named = await ask(gateway, NAMED, 0);
      expect(named.response.headers.get('x-router-model')).toBe(NAMED); // the router was in the path, and passed it through
      expect(named.data.model).toBe(NAMED);
      await router.flywheel.drain();
      // Client → the router's named route; the router's forward (and its shadow to the baseline) → the pool's routes.
      expect(gateway.hits.map((h) => [h.route, h.path, h.model])).toEqual([
        [namedRoute, '/v1/chat/completions', NAMED],
        [poolRouteOf(NAMED), hop, NAMED],
        [poolRouteOf(BASELINE), hop, BASELINE],
      ]);
      const records = await router.store.all();
      expect(records.map((x) => [(x.request as { model: string }).model, x.primary.model, x.shadows.map((s) => s.model)])).toEqual([
        [NAMED, NAMED, [BASELINE]],
      ]);

      // `auto` as before (the virtual route), its choice back through router-hop; a pool model that is not a
      // candidate never reaches the router.
      gateway.hits.length = 0;
      await ask(gateway, 'auto', 1);
      await ask(gateway, OTHER, 2);
      await router.flywheel.drain();
      expect(gateway.hits.map((h) => [h.route, h.path])).toEqual([
        [virtualRoute, '/v1/chat/completions'],
        [poolRouteOf(NAMED), hop],
        [poolRouteOf(BASELINE), hop],
        [poolRouteOf(OTHER), '/v1/chat/completions'],
      ]);
      expect(await router.store.count()).toBe(2);
      // The router's route was entered once per client request: no loop.
      expect(gateway.hits.filter((h) => h.route === namedRoute)).toEqual([]);
    } finally {
      await router.close();
      await gateway.close();
    }
  });

  it('leaves named requests on the pool’s route without the opt-in', async () => {
    const { gateway, router, poolRouteOf } = await cluster(false);
    try {
      const named = await ask(gateway, NAMED, 0);
      expect(named.response.headers.get('x-router-model')).toBeNull();
      expect(gateway.hits.map((h) => [h.route, h.path])).toEqual([[poolRouteOf(NAMED), '/v1/chat/completions']]);
      await router.flywheel.drain();
      expect(await router.store.count()).toBe(0);
    } finally {
      await router.close();
      await gateway.close();
    }
  });
});
