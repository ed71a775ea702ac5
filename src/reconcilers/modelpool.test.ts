import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { expectGolden } from '../../test/support/golden.js';
import { stringify } from 'yaml';
import { cacheSpecSchema } from '../api/v1alpha1/cache.js';
import { modelPoolSchema, type ModelPool } from '../api/v1alpha1/modelpool.js';
import { CONSOLE_PLUGINS, mergePluginShares, type ConsolePluginName, type PluginShare } from '../higress/console/shared-plugins.js';
import { mergeRegistrySets } from '../kube/mcpbridge.js';
import { renderModelPool, type ObservedState, type PoolRender } from './modelpool.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');

function pool(namespace: string, name: string, spec: unknown): ModelPool {
  return modelPoolSchema.parse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { namespace, name }, spec });
}

const secrets = (entries: Record<string, Record<string, string>>): ObservedState => ({
  secrets: new Map(Object.entries(entries)),
});

const ref = (name: string, key = 'apiKey') => ({ secretRef: { name, key } });

/** The shared objects of one gateway namespace after merging these renders into empty ones. */
function sharedObjects(renders: PoolRender[]): unknown[] {
  const docs: unknown[] = [];
  for (const gw of [...new Set(renders.map((r) => r.gatewayNamespace))].sort()) {
    const mine = renders.filter((r) => r.gatewayNamespace === gw);
    const merged = mergeRegistrySets([], {}, new Map(mine.map((r) => [r.ownerId, r.registries.map((g) => ({ ...g }))])));
    if (merged.ok && merged.registries.length) {
      docs.push({
        apiVersion: 'networking.higress.io/v1',
        kind: 'McpBridge',
        metadata: { name: 'default', namespace: gw },
        spec: { registries: merged.registries },
      });
    }
    for (const name of Object.keys(CONSOLE_PLUGINS) as ConsolePluginName[]) {
      const desired = new Map<string, PluginShare>(mine.flatMap((r) => (r.shares[name] ? [[r.ownerId, r.shares[name]] as [string, PluginShare]] : [])));
      if (desired.size) docs.push(mergePluginShares(undefined, CONSOLE_PLUGINS[name], gw, desired).plugin);
    }
  }
  return docs;
}

/** Everything the gateway would hold for these pools, as one multi-document YAML. */
function renderAll(pools: ModelPool[], observed: ObservedState): string {
  const renders: PoolRender[] = pools.map((p) => renderModelPool(p, observed, { fallbackRoutes: true }));
  const docs: unknown[] = sharedObjects(renders);
  for (const r of renders) docs.push(...r.configMaps, ...r.ingresses, ...r.envoyFilters);
  for (const r of renders) {
    docs.push({ '# status of': `${r.pool.namespace}/${r.pool.name}`, readyModels: r.readyModels, models: r.models, generatedObjects: r.generatedObjects });
  }
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

const SCENARIOS: Record<string, { pools: ModelPool[]; observed: ObservedState }> = {
  'single-model': {
    pools: [pool('team-a', 'chat', { models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: ref('openai') } }] })],
    observed: secrets({ openai: { apiKey: 'sk-test-openai' } }),
  },
  'many-providers': {
    pools: [
      pool('team-a', 'multi', {
        gateway: { hosts: ['llm.example.com'] },
        models: [
          {
            name: 'gpt-4o',
            provider: { type: 'openai', credentials: ref('keys', 'openai') },
            pricing: { inputPerMillionTokens: 2.5, outputPerMillionTokens: 10 },
          },
          { name: 'qwen-max', provider: { type: 'qwen', credentials: ref('keys', 'dashscope') }, contextWindow: 32768 },
          { name: 'deepseek-chat', provider: { type: 'deepseek', credentials: ref('keys', 'deepseek') } },
          { name: 'claude-sonnet', upstreamModel: 'claude-sonnet-4-5', provider: { type: 'anthropic', credentials: ref('keys', 'anthropic') } },
          { name: 'gemini-flash', upstreamModel: 'gemini-2.5-flash', provider: { type: 'gemini', credentials: ref('keys', 'gemini') } },
          {
            name: 'gpt-4o-azure',
            upstreamModel: 'gpt-4o',
            provider: {
              type: 'azure',
              endpoint: 'https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01',
              credentials: ref('keys', 'azure'),
            },
          },
        ],
      }),
    ],
    observed: secrets({ keys: { openai: 'sk-o', dashscope: 'sk-d', deepseek: 'sk-ds', anthropic: 'sk-ant', gemini: 'g-key', azure: 'az-key' } }),
  },
  'custom-endpoint': {
    pools: [
      pool('ml', 'selfhosted', {
        gateway: { namespace: 'gateway', ingressClassName: 'higress-internal', path: '/v1' },
        models: [
          {
            name: 'llama-3-8b',
            upstreamModel: 'meta-llama/Meta-Llama-3-8B-Instruct',
            provider: { type: 'vllm', endpoint: 'http://vllm.ml.svc.cluster.local:8000/v1' },
          },
          { name: 'qwen2.5', provider: { type: 'ollama', endpoint: 'http://10.0.3.11:11434' } },
          { name: 'semrouter', provider: { type: 'openai-compatible', endpoint: 'http://sem-router-train.higress.io/v1' } },
          {
            name: 'gpt-4o-proxy',
            upstreamModel: 'gpt-4o',
            provider: { type: 'openai', endpoint: 'https://llm-proxy.corp.example:8443/v1', credentials: ref('proxy', 'token') },
          },
        ],
        timeoutSeconds: 300,
      }),
    ],
    observed: secrets({ proxy: { token: 'corp-token' } }),
  },
  fallback: {
    pools: [
      pool('team-b', 'resilient', {
        models: [
          { name: 'gpt-4o', provider: { type: 'openai', credentials: ref('openai') } },
          { name: 'qwen-max', provider: { type: 'qwen', credentials: ref('dashscope') } },
          { name: 'local', provider: { type: 'vllm', endpoint: 'http://vllm.ml:8000/v1' } },
        ],
        fallback: ['gpt-4o', 'qwen-max', 'local'],
        alias: 'chat',
      }),
    ],
    observed: secrets({ openai: { apiKey: 'sk-o' }, dashscope: { apiKey: 'sk-d' } }),
  },
  'secretless-passthrough': {
    pools: [
      pool('team-c', 'byok', {
        models: [
          { name: 'gpt-4o-mini', provider: { type: 'openai' } },
          { name: 'mistral-small', provider: { type: 'openai-compatible', endpoint: 'https://api.mistral.ai/v1' } },
        ],
      }),
    ],
    observed: secrets({}),
  },
  'missing-secret': {
    pools: [
      pool('team-d', 'partial', {
        models: [
          { name: 'gpt-4o', provider: { type: 'openai', credentials: ref('absent') } },
          { name: 'qwen-max', provider: { type: 'qwen', credentials: ref('dashscope', 'wrongKey') } },
          { name: 'deepseek-chat', provider: { type: 'deepseek', credentials: ref('dashscope') } },
        ],
      }),
    ],
    observed: secrets({ dashscope: { apiKey: 'sk-d' } }),
  },
  // spec.cache: one ai-cache rule per route Ingress (fallback route included), secrets resolved from the pool's Secrets.
  'semantic-cache': {
    pools: [
      pool('team-a', 'cached', {
        models: [
          { name: 'gpt-4o', provider: { type: 'openai', credentials: ref('keys', 'openai') } },
          { name: 'qwen-max', provider: { type: 'qwen', credentials: ref('keys', 'dashscope') } },
        ],
        fallback: ['gpt-4o', 'qwen-max'],
        cache: {
          redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'cache-auth', key: 'redis' } },
          vector: {
            type: 'qdrant',
            service: 'qdrant.dns',
            port: 6333,
            collection: 'llm-cache',
            apiKeySecretRef: { name: 'cache-auth', key: 'qdrant' },
            threshold: 0.92,
            thresholdRelation: 'gte',
          },
          embedding: { type: 'openai', service: 'embeddings.dns', model: 'text-embedding-3-small', apiKeySecretRef: { name: 'keys', key: 'openai' } },
          ttlSeconds: 600,
          keyPrefix: 'team-a-cached:',
        },
      }),
    ],
    observed: secrets({ keys: { openai: 'sk-o', dashscope: 'sk-d' }, 'cache-auth': { redis: 'redis-pass', qdrant: 'qdrant-key' } }),
  },
  'two-pools-two-gateways': {
    pools: [
      pool('team-a', 'chat', { models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: ref('openai') } }] }),
      pool('team-b', 'chat', { gateway: { namespace: 'higress-edge' }, models: [{ name: 'gpt-4o', provider: { type: 'openai' } }] }),
      pool('team-a', 'more', { models: [{ name: 'o3', provider: { type: 'openai', credentials: ref('openai') } }] }),
    ],
    observed: secrets({ openai: { apiKey: 'sk-o' } }),
  },
};

describe('renderModelPool golden snapshots (UPDATE_GOLDEN=1 to rewrite)', () => {
  for (const [name, { pools, observed }] of Object.entries(SCENARIOS)) {
    it(name, () => expectGolden(GOLDEN_DIR, `${name}`, renderAll(pools, observed)));
  }
});

const providersOf = (r: PoolRender) => (r.shares['ai-proxy.internal']?.entries ?? []) as Record<string, unknown>[];

describe('renderModelPool behaviour', () => {
  it('leaves models with a missing Secret or key out and reports the precise reason', () => {
    const { pools, observed } = SCENARIOS['missing-secret']!;
    const r = renderModelPool(pools[0]!, observed);
    expect(r.models.map((m) => [m.name, m.ready, m.reason])).toEqual([
      ['gpt-4o', false, 'SecretNotFound'],
      ['qwen-max', false, 'SecretKeyMissing'],
      ['deepseek-chat', true, 'Routed'],
    ]);
    expect(r.ingresses).toHaveLength(1);
    expect(r.registries).toHaveLength(1);
    expect(r.readyModels).toBe('1/3');
    expect(JSON.stringify(r)).not.toContain('undefined');
  });

  it('uses the console names: ai-route-<n> ConfigMap + ai-route-<n>.internal Ingress, llm-<p>.internal registry', () => {
    const { pools, observed } = SCENARIOS['single-model']!;
    const r = renderModelPool(pools[0]!, observed);
    const [route] = r.routes;
    expect(route!.configMap.metadata.name).toBe(`ai-route-${route!.name}`);
    expect(JSON.parse(route!.configMap.data.data!).name).toBe(route!.name);
    expect(r.ingresses.map((i) => i.metadata.name)).toEqual([`ai-route-${route!.name}.internal`]);
    expect(r.registries.map((g) => g.name)).toEqual([`llm-${r.providerIds[0]}.internal`]);
    expect(route!.configMap.metadata.labels).toMatchObject({ 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' });
  });

  it('is deterministic and independent of pool order', () => {
    const { pools, observed } = SCENARIOS['two-pools-two-gateways']!;
    const a = sharedObjects(pools.map((p) => renderModelPool(p, observed)));
    const b = sharedObjects([...pools].reverse().map((p) => renderModelPool(p, observed)));
    expect(b).toEqual(a);
  });

  it('keeps generated names valid and distinct for look-alike inputs', () => {
    const long = 'x'.repeat(60);
    const p1 = pool(long.slice(0, 50), long.slice(0, 63), {
      models: [
        { name: `${long}-a`, provider: { type: 'openai' } },
        { name: `${long}-b`, provider: { type: 'openai' } },
      ],
    });
    const r = renderModelPool(p1, secrets({}));
    expect(new Set(r.providerIds).size).toBe(2);
    for (const g of r.registries) expect(g.name.split('.')[0]!.length).toBeLessThanOrEqual(63);
  });

  it('never puts a token anywhere but the ai-proxy provider entries', () => {
    const { pools, observed } = SCENARIOS['single-model']!;
    const r = renderModelPool(pools[0]!, observed);
    expect(JSON.stringify({ ...r, shares: {} })).not.toContain('sk-test-openai');
    expect(JSON.stringify(providersOf(r))).toContain('sk-test-openai');
  });

  it('carries the access grants stored in an AI route ConfigMap over instead of reverting them', () => {
    const { pools, observed } = SCENARIOS['single-model']!;
    const first = renderModelPool(pools[0]!, observed);
    const grant = { enabled: true, allowedConsumers: ['himarket-consumer'] };
    const r = renderModelPool(pools[0]!, { ...observed, aiRoutes: new Map([[first.routes[0]!.name, { authConfig: grant }]]) });
    expect(JSON.parse(r.configMaps[0]!.data.data!).authConfig).toEqual(grant);
  });
});

describe('issue 7 finding 2: retryOnFailure only where ai-proxy can act (another token to rotate to)', () => {
  const spec = (tokens: string) => ({
    p: pool('t', 'p', {
      models: [
        { name: 'a', provider: { type: 'openai', credentials: ref('k') } },
        { name: 'b', provider: { type: 'openai', credentials: ref('k') } },
      ],
      fallback: ['a', 'b'],
    }),
    o: secrets({ k: { apiKey: tokens } }),
  });

  it('one token: no retryOnFailure', () => {
    const { p, o } = spec('sk-one');
    for (const e of providersOf(renderModelPool(p, o))) expect(e.retryOnFailure).toBeUndefined();
  });

  it('several tokens (one per line in the Secret): retryOnFailure bounded by the other tokens', () => {
    const { p, o } = spec('sk-one\nsk-two\n');
    const [a] = providersOf(renderModelPool(p, o));
    expect(a!.apiTokens).toEqual(['sk-one', 'sk-two']);
    expect(a!.retryOnFailure).toEqual({ enabled: true, maxRetries: 1 });
  });
});

describe('issue 7 finding 3: fallback as the console template (one fallback route, 10 redirects, body limit)', () => {
  const { pools, observed } = SCENARIOS.fallback!;

  it('chain [a, b, c]: one fallback route per model that has a next one, SEQ towards it', () => {
    const r = renderModelPool(pools[0]!, observed, { fallbackRoutes: true });
    const fb = r.ingresses.filter((i) => i.metadata.name.endsWith('.fallback.internal'));
    expect(fb).toHaveLength(2);
    const hops = fb.map((i) => [
      i.metadata.annotations!['higress.io/exact-match-header-x-higress-llm-model'],
      i.metadata.annotations!['higress.io/destination'],
    ]);
    expect(hops.sort()).toEqual([
      ['gpt-4o', expect.stringContaining('-qwen-max-')],
      ['qwen-max', expect.stringContaining('-local-')],
    ]);
    for (const i of fb) {
      const primary = i.metadata.name.replace('.fallback.internal', '.internal');
      expect(i.metadata.annotations!['higress.io/exact-match-header-x-higress-fallback-from']).toBe(primary);
    }
  });

  it('one EnvoyFilter per patched route, named like it, with max_request_bytes and 10 internal redirects', () => {
    const r = renderModelPool(pools[0]!, observed, { fallbackRoutes: true });
    expect(r.envoyFilters).toHaveLength(2);
    for (const f of r.envoyFilters) {
      expect(f.spec.configPatches).toHaveLength(1);
      const patch = f.spec.configPatches[0]!;
      expect(patch.match.routeConfiguration.vhost.route.name).toBe(f.metadata.name);
      const value = patch.patch.value as { with_request_body: unknown };
      expect(value.with_request_body).toEqual({ max_request_bytes: 1024000 });
      expect(JSON.stringify(value)).toContain('"max_internal_redirects":10');
    }
  });

  it('is off when the caller cannot apply EnvoyFilters (retries only)', () => {
    const r = renderModelPool(pools[0]!, observed);
    expect(r.envoyFilters).toEqual([]);
    expect(r.ingresses.some((i) => i.metadata.name.endsWith('.fallback.internal'))).toBe(false);
    expect(r.generatedObjects.some((o) => o.kind === 'EnvoyFilter')).toBe(false);
  });

  it('skips models that are not routed (missing Secret) and keeps the rest of the chain', () => {
    const r = renderModelPool(pools[0]!, secrets({ openai: { apiKey: 'sk-o' } }), { fallbackRoutes: true });
    const targets = r.ingresses.filter((i) => i.metadata.name.endsWith('.fallback.internal')).map((i) => i.metadata.annotations!['higress.io/destination']);
    expect(targets).toEqual([expect.stringContaining('-local-')]);
  });
});

describe('spec.cache → the console ai-cache-2.0.1 plugin', () => {
  // Parsed apart from the pool: a stored pool may predate the CEL rule that requires cache.redis.
  const cached = (cache: unknown): ModelPool => {
    const p = pool('team-a', 'c', { models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: ref('keys', 'openai') } }] });
    return { ...p, spec: { ...p.spec, cache: cacheSpecSchema.parse(cache) } };
  };
  const observed = secrets({ keys: { openai: 'sk-o' }, redis: { password: 'pw' } });

  it('writes one rule per route Ingress with enableSemanticCache explicit', () => {
    const r = renderModelPool(cached({ redis: { service: 'redis.dns', passwordSecretRef: { name: 'redis', key: 'password' } }, semantic: false }), observed);
    expect(r.cache?.ok).toBe(true);
    const rules = r.shares['ai-cache-2.0.1']?.rules ?? [];
    expect(rules.map((x) => x.ingress)).toEqual([[`ai-route-${r.providerIds[0]}.internal`]]);
    expect(rules[0]!.config).toMatchObject({ enableSemanticCache: false, cache: { serviceName: 'redis.dns', password: 'pw' } });
    expect(r.generatedObjects.some((o) => o.name === 'ai-cache-2.0.1')).toBe(true);
  });

  it.each([
    [{ semantic: false }, 'CacheRedisMissing'],
    [{ redis: { service: 'redis.dns' } }, 'CacheVectorStoreMissing'],
    [{ redis: { service: 'redis.dns', passwordSecretRef: { name: 'absent', key: 'password' } }, semantic: false }, 'CacheSecretMissing'],
  ])('%o → %s, no rule, models still routed', (cache, reason) => {
    const r = renderModelPool(cached(cache), observed);
    expect(r.cache).toMatchObject({ ok: false, reason });
    expect(r.shares['ai-cache-2.0.1']).toBeUndefined();
    expect(r.readyModels).toBe('1/1');
  });

  it('no spec.cache: no ai-cache share and no cache outcome', () => {
    const r = renderModelPool(
      pool('team-a', 'c', { models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: ref('keys', 'openai') } }] }),
      observed,
    );
    expect(r.cache).toBeUndefined();
    expect(r.shares['ai-cache-2.0.1']).toBeUndefined();
  });
});
