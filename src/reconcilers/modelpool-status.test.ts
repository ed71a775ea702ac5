import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { expectGolden, yamlDocs } from '../../test/support/golden.js';
import { cacheSpecSchema } from '../api/v1alpha1/cache.js';
import { modelPoolSchema } from '../api/v1alpha1/modelpool.js';
import { renderModelPool } from './modelpool.js';
import { gatewaysSharingClass, modelPoolStatus, type PoolObservation } from './modelpool-status.js';

/** Status is a pure function of (render, observation): golden per situation (UPDATE_GOLDEN=1 rewrites). */

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');
const pool = modelPoolSchema.parse({
  apiVersion: 'ai.higress.io/v1alpha1',
  kind: 'ModelPool',
  metadata: { namespace: 'team-a', name: 'chat', generation: 3 },
  spec: {
    models: [
      { name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'apiKey' } } } },
      { name: 'local', provider: { type: 'vllm', endpoint: 'http://vllm.ml:8000/v1' } },
    ],
    fallback: ['gpt-4o', 'local'],
  },
});
const routed = renderModelPool(pool, { secrets: new Map([['openai', { apiKey: 'sk' }]]) }, { fallbackRoutes: true });
const partial = renderModelPool(pool, { secrets: new Map() }, { fallbackRoutes: true });
const [route] = routed.routes;
const withCache = (cache: unknown) =>
  renderModelPool(
    { ...pool, spec: { ...pool.spec, cache: cacheSpecSchema.parse(cache) } },
    {
      secrets: new Map<string, Record<string, string>>([
        ['openai', { apiKey: 'sk' }],
        ['redis', { password: 'pw' }],
      ]),
    },
    { fallbackRoutes: true },
  );
const cached = withCache({ redis: { service: 'redis.dns', passwordSecretRef: { name: 'redis', key: 'password' } }, semantic: false });
const cacheNoRedis = withCache({ semantic: false });
const cacheSecretMissing = withCache({ redis: { service: 'redis.dns', passwordSecretRef: { name: 'redis-absent', key: 'password' } }, semantic: false });

const base: PoolObservation = {
  generation: 3,
  missingCrds: [],
  fallback: 'routes',
  objectErrors: new Map(),
  nameConflicts: new Map(),
  ingressClassSharedWith: [],
};

const SITUATIONS: Record<string, [typeof routed, PoolObservation]> = {
  routed: [routed, base],
  pending: [routed, { ...base, waitingFor: 'WasmPlugin ai-proxy.internal' }],
  'higress-crds-missing': [routed, { ...base, missingCrds: ['wasmplugins.extensions.higress.io', 'mcpbridges.networking.higress.io'] }],
  'name-conflict': [routed, { ...base, nameConflicts: new Map([[`ConfigMap/${route!.configMap.metadata.name}`, 'an object we do not own']]) }],
  'object-rejected': [
    routed,
    {
      ...base,
      objectErrors: new Map([
        [
          `Ingress/${route!.ingresses[0]!.metadata.name}`,
          { reason: 'IngressInvalid', message: `Ingress higress-system/${route!.ingresses[0]!.metadata.name}: spec.rules[0].host: Invalid value` },
        ],
      ]),
    },
  ],
  'gateway-error': [routed, { ...base, gatewayError: { reason: 'GatewayForbidden', message: 'gateway namespace higress-system: wasmplugins is forbidden' } }],
  'secret-missing-and-no-envoyfilter-crd': [partial, { ...base, fallback: 'crd-missing' }],
  'shared-ingress-class': [routed, { ...base, ingressClassSharedWith: ['higress-edge'] }],
  'cache-exact': [cached, base],
  'cache-redis-missing': [cacheNoRedis, base],
  'cache-secret-missing': [cacheSecretMissing, base],
};

describe('modelPoolStatus golden (UPDATE_GOLDEN=1 to rewrite)', () => {
  for (const [name, [render, obs]] of Object.entries(SITUATIONS)) {
    it(name, () => expectGolden(GOLDEN_DIR, `status-${name}`, yamlDocs([modelPoolStatus(render, true, obs)])));
  }
});

describe('modelPoolStatus', () => {
  it('writes readyModels (the kubectl MODELS column)', () => {
    expect(modelPoolStatus(routed, true, base).status.readyModels).toBe('2/2');
    expect(modelPoolStatus(partial, true, base).status.readyModels).toBe('1/2');
  });

  it('puts the error of a rejected object, a conflicting name or a missing CRD on generatedObjects[]', () => {
    const s = SITUATIONS['object-rejected']![1];
    const objs = modelPoolStatus(routed, true, s).status.generatedObjects!;
    expect(objs.find((o) => o.kind === 'Ingress' && o.name === route!.ingresses[0]!.metadata.name)?.error).toContain('Invalid value');
    const crds = modelPoolStatus(routed, true, SITUATIONS['higress-crds-missing']![1]).status.generatedObjects!;
    expect(
      crds
        .filter((o) => o.error)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['McpBridge', 'WasmPlugin', 'WasmPlugin', 'WasmPlugin', 'WasmPlugin', 'WasmPlugin']);
    expect(modelPoolStatus(routed, true, base).status.generatedObjects!.every((o) => o.error === undefined)).toBe(true);
  });

  it('removes the Fallback and IngressClass conditions when they no longer apply', () => {
    expect(modelPoolStatus(routed, false, base).remove).toEqual(['Fallback', 'IngressClass', 'Cache']);
  });

  it('reports spec.cache as its own condition, naming the field and never a Secret value; Ready stays with the models', () => {
    const broken = modelPoolStatus(cacheSecretMissing, true, base);
    expect(broken.set.find((c) => c.type === 'Cache')).toMatchObject({ status: 'False', reason: 'CacheSecretMissing' });
    expect(broken.ready.status).toBe('True');
    expect(modelPoolStatus(cacheNoRedis, true, base).set.find((c) => c.type === 'Cache')?.reason).toBe('CacheRedisMissing');
    const ok = modelPoolStatus(cached, true, base);
    expect(ok.set.find((c) => c.type === 'Cache')).toMatchObject({ status: 'True', reason: 'ExactCache' });
    expect(JSON.stringify(ok)).not.toContain('pw');
  });

  it('finds other gateway namespaces on the same ingress class (issue 7 finding 4)', () => {
    const pools = [
      { gatewayNamespace: 'gw-a', ingressClassName: 'higress' },
      { gatewayNamespace: 'gw-b', ingressClassName: 'higress' },
      { gatewayNamespace: 'gw-b', ingressClassName: 'higress' },
      { gatewayNamespace: 'gw-c', ingressClassName: 'edge' },
    ];
    expect(gatewaysSharingClass(pools, 'gw-a', 'higress')).toEqual(['gw-b']);
    expect(gatewaysSharingClass(pools, 'gw-c', 'edge')).toEqual([]);
  });
});
