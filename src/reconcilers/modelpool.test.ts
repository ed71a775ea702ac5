import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { modelPoolSchema, type ModelPool } from '../api/v1alpha1/modelpool.js';
import { isConsoleReservedName } from '../higress/names.js';
import {
  renderAggregatePlugins,
  renderModelPool,
  renderRegistries,
  type ObservedState,
  type PoolRender,
} from './modelpool.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');

function pool(namespace: string, name: string, spec: unknown): ModelPool {
  return modelPoolSchema.parse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { namespace, name }, spec });
}

const secrets = (entries: Record<string, Record<string, string>>): ObservedState => ({
  secrets: new Map(Object.entries(entries)),
});

const ref = (name: string, key = 'apiKey') => ({ secretRef: { name, key } });

/** Everything the gateway would hold for these pools, as one multi-document YAML. */
function renderAll(pools: ModelPool[], observed: ObservedState): string {
  const renders: PoolRender[] = pools.map((p) => renderModelPool(p, observed, { fallbackRoutes: true }));
  const docs: unknown[] = [];
  for (const [ns, registries] of renderRegistries(renders)) {
    docs.push({ apiVersion: 'networking.higress.io/v1', kind: 'McpBridge', metadata: { name: 'default', namespace: ns }, spec: { registries } });
  }
  docs.push(...renderAggregatePlugins(renders));
  for (const r of renders) docs.push(...r.ingresses, ...r.envoyFilters);
  for (const r of renders) {
    docs.push({ '# status of': `${r.pool.namespace}/${r.pool.name}`, readyModels: r.readyModels, models: r.models, generatedObjects: r.generatedObjects });
  }
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, `${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden ${file}`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toEqual(readFileSync(file, 'utf8'));
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
          { name: 'gpt-4o', provider: { type: 'openai', credentials: ref('keys', 'openai') }, pricing: { inputPerMillionTokens: 2.5, outputPerMillionTokens: 10 } },
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
          { name: 'llama-3-8b', upstreamModel: 'meta-llama/Meta-Llama-3-8B-Instruct', provider: { type: 'vllm', endpoint: 'http://vllm.ml.svc.cluster.local:8000/v1' } },
          { name: 'qwen2.5', provider: { type: 'ollama', endpoint: 'http://10.0.3.11:11434' } },
          { name: 'semrouter', provider: { type: 'openai-compatible', endpoint: 'http://sem-router-train.higress.io/v1' } },
          { name: 'gpt-4o-proxy', upstreamModel: 'gpt-4o', provider: { type: 'openai', endpoint: 'https://llm-proxy.corp.example:8443/v1', credentials: ref('proxy', 'token') } },
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
    it(name, () => expectGolden(name, renderAll(pools, observed)));
  }
});

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
    expect(JSON.stringify(r)).not.toContain('undefined');
  });

  it('never emits a console-reserved name', () => {
    for (const { pools, observed } of Object.values(SCENARIOS)) {
      const renders = pools.map((p) => renderModelPool(p, observed));
      const names = [
        ...renders.flatMap((r) => [...r.ingresses, ...r.envoyFilters].map((o) => o.metadata.name)),
        ...renders.flatMap((r) => r.registries.map((g) => g.name)),
        ...renderAggregatePlugins(renders).map((w) => w.metadata.name),
      ];
      expect(names.filter(isConsoleReservedName)).toEqual([]);
    }
  });

  it('is deterministic and independent of pool order', () => {
    const { pools, observed } = SCENARIOS['two-pools-two-gateways']!;
    const a = renderAggregatePlugins(pools.map((p) => renderModelPool(p, observed)));
    const b = renderAggregatePlugins([...pools].reverse().map((p) => renderModelPool(p, observed)));
    expect(b).toEqual(a);
  });

  it('keeps generated names within 63 characters and distinct for look-alike inputs', () => {
    const long = 'x'.repeat(60);
    const p1 = pool(long.slice(0, 50), long.slice(0, 63), { models: [{ name: `${long}-a`, provider: { type: 'openai' } }, { name: `${long}-b`, provider: { type: 'openai' } }] });
    const r = renderModelPool(p1, secrets({}));
    const names = r.ingresses.map((i) => i.metadata.name);
    expect(new Set(names).size).toBe(2);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
  });

  it('never puts a token anywhere but the ai-proxy config', () => {
    const { pools, observed } = SCENARIOS['single-model']!;
    const r = renderModelPool(pools[0]!, observed);
    expect(JSON.stringify({ ...r, aiProxyRules: [] })).not.toContain('sk-test-openai');
    expect(JSON.stringify(r.aiProxyRules)).toContain('sk-test-openai');
  });
});

describe('fallback chains', () => {
  const { pools, observed } = SCENARIOS.fallback!;

  it('chain [a, b, c]: a→b→c and b→c fallback routes, each hop keyed by the route it failed on', () => {
    const r = renderModelPool(pools[0]!, observed, { fallbackRoutes: true });
    const hops = r.ingresses
      .filter((i) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-fallback-from'])
      .map((i) => [i.metadata.annotations!['higress.io/exact-match-header-x-higress-llm-model'], i.metadata.annotations!['higress.io/destination']]);
    expect(hops.sort()).toEqual([
      ['gpt-4o', expect.stringContaining('-local-')],
      ['gpt-4o', expect.stringContaining('-qwen-max-')],
      ['qwen-max', expect.stringContaining('-local-')],
    ]);
    // Routes that can fail over: a, a's first fallback, b. The last hop of each chain is not patched.
    expect(r.envoyFilters).toHaveLength(1);
    expect(r.envoyFilters[0]!.spec.configPatches).toHaveLength(3);
  });

  it('is off by default (retries only) until the caller applies EnvoyFilters', () => {
    const r = renderModelPool(pools[0]!, observed);
    expect(r.envoyFilters).toEqual([]);
    expect(r.ingresses.some((i) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-fallback-from'])).toBe(false);
    expect(r.generatedObjects.some((o) => o.kind === 'EnvoyFilter')).toBe(false);
  });

  it('skips models that are not routed (missing Secret) and keeps the rest of the chain', () => {
    const r = renderModelPool(pools[0]!, secrets({ openai: { apiKey: 'sk-o' } }), { fallbackRoutes: true });
    const targets = r.ingresses
      .filter((i) => i.metadata.annotations?.['higress.io/exact-match-header-x-higress-fallback-from'])
      .map((i) => i.metadata.annotations!['higress.io/destination']);
    expect(targets).toEqual([expect.stringContaining('-local-')]);
  });
});
