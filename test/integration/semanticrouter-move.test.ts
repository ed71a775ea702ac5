// A SemanticRouter moved to another gateway namespace (spec.gateway.namespace) takes everything it held out of the
// old one — its console AI route, its McpBridge registry, its ai-proxy provider and its plugin rules — as its
// deletion would, and serves from the new one.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { semanticRouterResource, type SemanticRouterObject } from '../../src/controllers/semanticrouter.js';
import { KubeClient } from '../../src/kube/client.js';
import type { McpBridge } from '../../src/kube/mcpbridge.js';
import type { KubeObject } from '../../src/kube/object.js';
import { OWNER_KIND_LABEL } from '../../src/kube/owner.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { consoleName } from '../../src/reconcilers/semanticrouter-gateway.js';
import { loadModels, routingDataDir } from '../../src/simulator/data.js';
import { createLogger } from '../../src/util/log.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { simulatorPool } from './support/pools.js';

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
const MODELS = loadModels(join(routingDataDir(), 'models.json')).slice(0, 2);
let operator: Operator;

type Plugin = KubeObject & { spec: { defaultConfig?: { providers?: { id: string }[] }; matchRules?: { ingress?: string[] }[] } };

beforeAll(async () => {
  // No router process: the gateway objects do not need one.
  operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log: createLogger('operator', 'warn') });
  await operator.synced;
});
afterAll(async () => operator.stop());

it('moves with spec.gateway.namespace: nothing of the router stays in the old gateway namespace', async () => {
  const ns = await uniqueNamespace('sr-move');
  const [gw1, gw2] = [await gatewayNamespace('sr-move-gw1'), await gatewayNamespace('sr-move-gw2')];
  await client.create(modelPoolResource, simulatorPool(ns, gw1, 'http://sim.invalid:8090', MODELS) as never);
  // A pool in gw2 as well: the router's provider goes into an ai-proxy.internal that a pool (or the console) created.
  await client.create(modelPoolResource, simulatorPool(await uniqueNamespace('sr-move-other'), gw2, 'http://sim.invalid:8090', MODELS) as never);
  await client.create(semanticRouterResource, {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { name: 'auto', namespace: ns },
    spec: { poolRef: { name: 'matrix' }, virtualModels: ['auto'], baselineModel: MODELS[0]!.id, gateway: { namespace: gw1 } },
  } as never);
  const providerId = consoleName({ kind: 'SemanticRouter', namespace: ns, name: 'auto' });
  const routerRoutes = async (gw: string) =>
    (await client.list(Resources.Ingress, { namespace: gw })).items.filter((i) => i.metadata.labels?.[OWNER_KIND_LABEL] === 'SemanticRouter');
  const registries = async (gw: string) => ((await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries ?? []).map((r) => r.name);
  const providers = async (gw: string) =>
    ((await client.get<Plugin>(Resources.WasmPlugin, 'ai-proxy.internal', gw))?.spec.defaultConfig?.providers ?? []).map((p) => p.id);
  const statsRules = async (gw: string) =>
    ((await client.get<Plugin>(Resources.WasmPlugin, 'ai-statistics-2.0.1', gw))?.spec.matchRules ?? []).flatMap((r) => r.ingress ?? []);
  const held = async (gw: string) => ({
    routes: (await routerRoutes(gw)).length,
    registry: (await registries(gw)).some((n) => n.includes(providerId)),
    provider: (await providers(gw)).includes(providerId),
    rules: (await statsRules(gw)).filter((n) => n.startsWith(`ai-route-sr-${ns}-auto-`)).length, // the router's route
  });
  const all = { routes: 1, registry: true, provider: true, rules: 1 };
  const none = { routes: 0, registry: false, provider: false, rules: 0 };
  await waitFor(async () => JSON.stringify(await held(gw1)) === JSON.stringify(all), { timeoutMs: 30_000, description: 'the router in gw1' });

  const r = (await client.get<SemanticRouterObject>(semanticRouterResource, 'auto', ns))!;
  await client.update(semanticRouterResource, { ...r, spec: { ...r.spec, gateway: { ...r.spec.gateway, namespace: gw2 } } } as never);
  await waitFor(async () => JSON.stringify(await held(gw2)) === JSON.stringify(all), { timeoutMs: 30_000, description: 'the router in gw2' });
  await waitFor(async () => JSON.stringify(await held(gw1)) === JSON.stringify(none), { timeoutMs: 30_000, description: 'nothing of it left in gw1' });
  const moved = (await client.get<SemanticRouterObject>(semanticRouterResource, 'auto', ns))!;
  expect((moved.status?.generatedObjects ?? []).filter((o) => o.namespace === gw1)).toEqual([]);
  // The pool's own routes in gw1 are untouched.
  expect((await client.list(Resources.Ingress, { namespace: gw1 })).items.filter((i) => i.metadata.labels?.[OWNER_KIND_LABEL] === 'ModelPool')).toHaveLength(
    MODELS.length,
  );

  await client.delete(semanticRouterResource, 'auto', ns);
  await waitFor(async () => ((await client.get(semanticRouterResource, 'auto', ns)) === undefined ? true : undefined), {
    timeoutMs: 30_000,
    description: 'router deleted',
  });
  expect(await held(gw2)).toEqual(none);
});
