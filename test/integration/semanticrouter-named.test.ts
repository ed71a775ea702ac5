// Named-model sampling on the real kube-apiserver: spec.flywheel.sampleNamedModels makes the operator add the
// router's named-model AI route (console form) and move the router's upstream to the pool's router-hop path;
// turning it off (or deleting the router) takes both back. The pool's own objects never change. One router per
// pool holds the route; a second one is told so and takes over when the first lets go.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { checkHigressObject } from '../../src/contracts/higress/index.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { semanticRouterResource, type SemanticRouterObject } from '../../src/controllers/semanticrouter.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { OWNER_KIND_LABEL } from '../../src/kube/owner.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { ROUTER_HOP_SEGMENT } from '../../src/reconcilers/semanticrouter.js';
import { consoleName, NAMED_ROUTE_SUFFIX } from '../../src/reconcilers/semanticrouter-gateway.js';
import { loadModels, routingDataDir } from '../../src/simulator/data.js';
import { createLogger } from '../../src/util/log.js';
import { join } from 'node:path';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { simulatorPool } from './support/pools.js';

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
const log = createLogger('operator', 'warn');
const MODELS = loadModels(join(routingDataDir(), 'models.json')).slice(0, 3);
const CANDIDATES = MODELS.slice(0, 2).map((m) => m.id);

type Ingress = KubeObject & { metadata: { annotations?: Record<string, string> }; spec: unknown };
const getRouter = (ns: string, name: string) => client.get<SemanticRouterObject>(semanticRouterResource, name, ns);
const condition = (r: SemanticRouterObject | undefined, type: string) => r?.status?.conditions?.find((c) => c.type === type);

async function setSampling(ns: string, name: string, on: boolean): Promise<void> {
  const r = (await getRouter(ns, name))!;
  await client.update(semanticRouterResource, { ...r, spec: { ...r.spec, flywheel: { ...r.spec.flywheel, sampleNamedModels: on } } } as never);
}

describe('SemanticRouter named-model sampling through the gateway', () => {
  let operator: Operator;
  beforeAll(async () => {
    // No router process: the objects and the condition do not need one (the Deployment simply never becomes available).
    operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log });
    await operator.synced;
  });
  afterAll(async () => operator.stop());

  it('adds the named-model route and the router-hop upstream with the opt-in, and takes them back without it', async () => {
    const ns = await uniqueNamespace('sr-named');
    const gw = await gatewayNamespace('sr-named-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, 'http://sim.invalid:8090', MODELS) as never);
    const create = (name: string, sampleNamedModels: boolean) =>
      client.create(semanticRouterResource, {
        apiVersion: 'ai.higress.io/v1alpha1',
        kind: 'SemanticRouter',
        metadata: { name, namespace: ns },
        spec: {
          poolRef: { name: 'matrix' },
          virtualModels: [`${name}-auto`],
          candidates: CANDIDATES,
          baselineModel: CANDIDATES[0],
          gateway: { namespace: gw },
          flywheel: { sampleRate: 0.5, sampleNamedModels },
        },
      } as never);
    const ingresses = async () => (await client.list<Ingress>(Resources.Ingress, { namespace: gw })).items;
    const byKind = async (kind: string) => (await ingresses()).filter((i) => i.metadata.labels?.[OWNER_KIND_LABEL] === kind);
    const namedName = (router: string) => consoleName({ kind: 'SemanticRouter', namespace: ns, name: router }, NAMED_ROUTE_SUFFIX);
    const baseUrl = async (router: string) => {
      const cm = await client.get<KubeObject & { data: Record<string, string> }>(Resources.ConfigMap, `${router}-router`, ns);
      return cm ? (parse(cm.data['router.yaml']!) as { upstream: { baseUrl: string } }).upstream.baseUrl : undefined;
    };
    const namedCondition = (router: string, reason: string) =>
      waitFor(
        async () => {
          const r = await getRouter(ns, router);
          return condition(r, 'NamedModelSampling')?.reason === reason ? r : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: `${router}: NamedModelSampling ${reason}` },
      );

    // Without the opt-in: the virtual route only, the router's upstream the gateway's /v1.
    await create('a', false);
    await namedCondition('a', 'Disabled');
    const poolBefore = await waitFor(async () => ((await byKind('ModelPool')).length === MODELS.length ? byKind('ModelPool') : undefined), {
      timeoutMs: 30_000,
      description: "the pool's routes",
    });
    expect((await byKind('SemanticRouter')).map((i) => i.metadata.name)).toEqual([
      `ai-route-${consoleName({ kind: 'SemanticRouter', namespace: ns, name: 'a' }, 'a-auto')}.internal`,
    ]);
    expect(await baseUrl('a')).toBe(`http://higress-gateway.${gw}.svc.cluster.local/v1`);

    // Opt in: the named-model route appears in the console's forms, the router's upstream moves to router-hop.
    await setSampling(ns, 'a', true);
    const active = await namedCondition('a', 'Active');
    expect(condition(active, 'NamedModelSampling')).toMatchObject({ status: 'True', message: expect.stringContaining(`ai-route-${namedName('a')}.internal`) });
    const named = await waitFor(async () => client.get<Ingress>(Resources.Ingress, `ai-route-${namedName('a')}.internal`, gw), {
      timeoutMs: 20_000,
      description: 'the named-model Ingress',
    });
    expect(named.metadata.annotations).toMatchObject({
      'higress.io/regex-match-header-x-higress-llm-model': `^(${[...CANDIDATES].sort().join('|').replace(/\./g, '\\.')})`,
      'higress.io/ignore-path-case': 'false',
    });
    expect(named.spec).toMatchObject({ rules: [{ http: { paths: [{ path: '/v1/chat/completions', pathType: 'Prefix' }] } }] });
    const cm = await client.get<KubeObject & { data: Record<string, string> }>(Resources.ConfigMap, `ai-route-${namedName('a')}`, gw);
    expect(JSON.parse(cm!.data.data!)).toMatchObject({ name: namedName('a'), pathPredicate: { matchType: 'PRE', matchValue: '/v1/chat/completions' } });
    const { status: _status, ...asWritten } = named as Ingress & { status?: unknown }; // the API server adds an empty status
    expect(checkHigressObject(asWritten)).toEqual([]);
    expect(checkHigressObject(cm)).toEqual([]);
    await waitFor(async () => ((await baseUrl('a')) === `http://higress-gateway.${gw}.svc.cluster.local/${ROUTER_HOP_SEGMENT}/v1` ? true : undefined), {
      timeoutMs: 20_000,
      description: 'router upstream at router-hop',
    });

    // A second router of the same pool that opts in is told who holds the route, and renders none.
    await create('b', true);
    const held = await namedCondition('b', 'NamedSamplingConflict');
    expect(condition(held, 'NamedModelSampling')?.message).toContain(`SemanticRouter/${ns}/a`);
    expect(await client.get(Resources.Ingress, `ai-route-${namedName('b')}.internal`, gw)).toBeUndefined();

    // Opt out: a's route and the router-hop upstream go; b takes the pool's named traffic over.
    await setSampling(ns, 'a', false);
    await namedCondition('a', 'Disabled');
    await waitFor(async () => ((await client.get(Resources.Ingress, `ai-route-${namedName('a')}.internal`, gw)) === undefined ? true : undefined), {
      timeoutMs: 20_000,
      description: "a's named-model Ingress deleted",
    });
    expect(await client.get(Resources.ConfigMap, `ai-route-${namedName('a')}`, gw)).toBeUndefined();
    expect(await baseUrl('a')).toBe(`http://higress-gateway.${gw}.svc.cluster.local/v1`);
    await namedCondition('b', 'Active');
    await waitFor(async () => client.get(Resources.Ingress, `ai-route-${namedName('b')}.internal`, gw), {
      timeoutMs: 20_000,
      description: "b's named-model Ingress",
    });

    // Deleting b takes its route with it. The pool's own objects never moved.
    await client.delete(semanticRouterResource, 'b', ns);
    await waitFor(async () => ((await client.get(Resources.Ingress, `ai-route-${namedName('b')}.internal`, gw)) === undefined ? true : undefined), {
      timeoutMs: 20_000,
      description: "b's named-model Ingress deleted",
    });
    const poolAfter = await byKind('ModelPool');
    expect(poolAfter.map((i) => [i.metadata.name, i.metadata.resourceVersion])).toEqual(poolBefore.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
    await client.delete(semanticRouterResource, 'a', ns);
    await waitFor(async () => ((await getRouter(ns, 'a')) === undefined ? true : undefined), { timeoutMs: 20_000, description: "a's finalizer released" });
    // Wait for the pool's routes to go too: routes left behind are removed by the next file's operator, whose
    // deletes then count as writes in its own "goes quiet" checks.
    await client.delete(modelPoolResource, 'matrix', ns);
    await waitFor(async () => ((await byKind('ModelPool')).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      description: "the pool's routes removed",
    });
  }, 120_000);
});
