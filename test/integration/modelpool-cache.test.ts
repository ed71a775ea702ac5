// ModelPool spec.cache against the real kube-apiserver (issue 8): the pool's ai-cache rules land in the
// console's `ai-cache-2.0.1` WasmPlugin next to a rule the console wrote for another route, the Redis
// password is read from a Secret the pool names (missing first: a precise Cache condition, then the
// Secret's creation alone brings the rule), and removing spec.cache takes our rules out, the foreign one stays.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelPoolSpecIn } from '../../src/api/v1alpha1/modelpool.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { consoleName } from '../../src/higress/console/meta.js';
import { CONSOLE_PLUGINS, newConsolePlugin, type SharedWasmPlugin } from '../../src/higress/console/shared-plugins.js';
import type { MatchRule } from '../../src/higress/types.js';
import { KubeClient } from '../../src/kube/client.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

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

const PLUGIN = CONSOLE_PLUGINS['ai-cache-2.0.1'];
const FOREIGN_RULE: MatchRule = {
  ingress: ['ai-route-console-own.internal'],
  configDisable: false,
  config: { cache: { type: 'redis', serviceName: 'other.dns' }, enableSemanticCache: false },
};

const cacheSpec = {
  redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'cache-auth', key: 'redis' } },
  vector: { type: 'qdrant' as const, service: 'qdrant.dns', port: 6333, collection: 'llm-cache', threshold: 0.92, thresholdRelation: 'gte' as const },
  embedding: { type: 'openai' as const, service: 'embeddings.dns', model: 'text-embedding-3-small' },
};

function pool(ns: string, name: string, spec: ModelPoolSpecIn): ModelPoolObject {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { name, namespace: ns }, spec } as ModelPoolObject;
}

async function cacheCondition(ns: string, name: string): Promise<{ status: string; reason?: string | undefined; message?: string | undefined } | undefined> {
  const p = await client.get<ModelPoolObject>(modelPoolResource, name, ns);
  const c = p?.status?.conditions?.find((x) => x.type === 'Cache');
  return c && c.observedGeneration === p?.metadata.generation ? c : undefined;
}
const rulesOf = async (gw: string) => (await client.get<SharedWasmPlugin>(Resources.WasmPlugin, PLUGIN.name, gw))?.spec?.matchRules ?? [];

describe('ModelPool spec.cache → console ai-cache plugin', () => {
  it('writes the rule once its Secret exists, keeps the console rule of another route, and removes ours with spec.cache', async () => {
    const ns = await uniqueNamespace('cache-pool');
    const gw = await uniqueNamespace('cache-gw');
    const foreign = newConsolePlugin(PLUGIN, gw);
    foreign.spec = { ...foreign.spec, matchRules: [FOREIGN_RULE] };
    await client.create(Resources.WasmPlugin, foreign);

    const models = [{ name: 'm', provider: { type: 'vllm' as const, endpoint: 'http://m.svc:8000/v1' } }];
    await client.create(modelPoolResource, pool(ns, 'p', { gateway: { namespace: gw }, models, cache: cacheSpec }));
    const missing = await waitFor(
      async () => {
        const c = await cacheCondition(ns, 'p');
        return c?.reason === 'CacheSecretMissing' ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'Cache=False CacheSecretMissing' },
    );
    expect(missing.status).toBe('False');
    expect(missing.message).toContain('spec.cache.redis.passwordSecretRef');

    await client.create(Resources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cache-auth', namespace: ns },
      stringData: { redis: 'redis-pass' },
    });
    const route = `ai-route-${consoleName([ns, 'p', 'm'])}.internal`;
    const ours = await waitFor(async () => (await rulesOf(gw)).find((r) => r.ingress?.[0] === route), {
      timeoutMs: 30_000,
      description: `ai-cache rule on ${route}`,
    });
    expect(ours.config).toMatchObject({
      enableSemanticCache: true,
      cache: { serviceName: 'redis.cache.svc.cluster.local', password: 'redis-pass' },
      vector: { type: 'qdrant' },
    });
    expect(await rulesOf(gw)).toContainEqual(FOREIGN_RULE);
    const ok = await waitFor(
      async () => {
        const c = await cacheCondition(ns, 'p');
        return c?.status === 'True' ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'Cache=True' },
    );
    expect(ok.reason).toBe('SemanticCache');
    expect(JSON.stringify(await client.get<ModelPoolObject>(modelPoolResource, 'p', ns))).not.toContain('redis-pass');

    await client.patch(modelPoolResource, 'p', ns, { spec: { cache: null } }, 'merge');
    await waitFor(async () => !(await rulesOf(gw)).some((r) => r.ingress?.[0] === route), { timeoutMs: 30_000, description: 'our ai-cache rule removed' });
    expect(await rulesOf(gw)).toEqual([FOREIGN_RULE]);
    await waitFor(
      async () => {
        const p = await client.get<ModelPoolObject>(modelPoolResource, 'p', ns);
        return p?.status?.conditions?.some((c) => c.type === 'Cache') === false;
      },
      { timeoutMs: 30_000, description: 'Cache condition removed' },
    );
  });
});
