import { describe, expect, it } from '@jest/globals';
import { aiCacheConfigSchema } from './ai-cache.js';
import { aiAgentConfigSchema } from './ai-agent.js';
import { aiProxyConfigSchema } from './ai-proxy.js';
import { aiTokenRatelimitConfigSchema } from './ai-token-ratelimit.js';
import { ingressAnnotationsSchema } from './ingress.js';
import { keyAuthConfigSchema } from './key-auth.js';
import { mcpBridgeSchema } from './mcp-bridge.js';
import { mcpServerConfigSchema } from './mcp-server.js';
import { modelRouterConfigSchema } from './model-router.js';
import { checkHigressObject, checkWasmPlugin, pluginNameOf } from './registry.js';

// Each case is a mistake Higress would swallow silently (an ignored key, a dropped plugin, a tool that
// fails at config load) and that the contracts must surface.

const wasm = (name: string, url: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'extensions.higress.io/v1alpha1',
  kind: 'WasmPlugin',
  metadata: { name, namespace: 'higress-system' },
  spec: { url, phase: 'UNSPECIFIED_PHASE', priority: 100, failStrategy: 'FAIL_OPEN', defaultConfigDisable: true, matchRules: [], ...spec },
});
const AI_PROXY = 'oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-proxy:2.0.1';

describe('ai-proxy', () => {
  it('accepts the console form: providers globally, activeProviderId per rule', () => {
    const p = wasm('ai-proxy.internal', AI_PROXY, {
      defaultConfigDisable: false,
      defaultConfig: { providers: [{ id: 'a', type: 'openai', protocol: 'openai', apiTokens: ['k'] }] },
      matchRules: [{ service: ['llm-a.internal.dns'], configDisable: false, config: { activeProviderId: 'a' } }],
    });
    expect(checkWasmPlugin(p)).toEqual([]);
  });

  it('rejects a misspelt key that Higress would ignore', () => {
    const r = aiProxyConfigSchema.safeParse({ providers: [{ id: 'a', type: 'openai', apiToken: ['k'] }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('apiToken');
  });

  it('rejects unknown provider types, duplicate ids and an azure URL without api-version', () => {
    expect(aiProxyConfigSchema.safeParse({ providers: [{ id: 'a', type: 'openai-compatible' }] }).success).toBe(false);
    expect(
      aiProxyConfigSchema.safeParse({
        providers: [
          { id: 'a', type: 'openai' },
          { id: 'a', type: 'qwen' },
        ],
      }).success,
    ).toBe(false);
    const azure = { id: 'z', type: 'azure', apiTokens: ['k'], azureServiceUrl: 'https://x.openai.azure.com/openai/deployments/d/chat/completions' };
    expect(aiProxyConfigSchema.safeParse({ providers: [azure] }).success).toBe(false);
    expect(aiProxyConfigSchema.safeParse({ providers: [{ ...azure, azureServiceUrl: `${azure.azureServiceUrl}?api-version=2024-06-01` }] }).success).toBe(true);
  });

  it('requires healthCheckModel for an enabled failover', () => {
    expect(aiProxyConfigSchema.safeParse({ providers: [{ id: 'a', type: 'openai', failover: { enabled: true } }] }).success).toBe(false);
  });
});

describe('WasmPlugin shape', () => {
  it('rejects a rule without ingress, domain or service (Higress drops the whole plugin)', () => {
    const issues = checkWasmPlugin(wasm('x', AI_PROXY, { matchRules: [{ configDisable: false, config: { activeProviderId: 'a' } }] }));
    expect(issues.map((i) => i.message).join()).toContain('needs ingress, domain or service');
  });

  it('fails on a plugin without a contract', () => {
    const issues = checkWasmPlugin(wasm('custom', 'oci://example.com/plugins/request-block:1.0.0'));
    expect(issues).toEqual([expect.objectContaining({ message: expect.stringContaining("no contract for plugin 'request-block'") })]);
  });

  it('finds the plugin by label, image or name', () => {
    expect(pluginNameOf({ metadata: { name: 'x', labels: { 'higress.io/wasm-plugin-name': 'key-auth' } }, spec: { url: 'oci://h/plugins/other:1' } })).toBe(
      'key-auth',
    );
    expect(pluginNameOf({ metadata: { name: 'x' }, spec: { url: 'oci://h/plugins/model-router:2.0.1' } })).toBe('model-router');
    expect(pluginNameOf({ metadata: { name: 'x' }, spec: { url: 'http://higress-plugin-server.higress-system.svc/plugins/ai-cache/1.0.0/plugin.wasm' } })).toBe(
      'ai-cache',
    );
    expect(pluginNameOf({ metadata: { name: 'ai-statistics-2.0.1' }, spec: { url: 'file:///x.wasm' } })).toBe('ai-statistics');
  });

  it('checks rule configs with the rule schema (key-auth rules carry only allow)', () => {
    const p = wasm('key-auth.internal', 'oci://h/plugins/key-auth:2.0.0', { matchRules: [{ ingress: ['r'], config: { allow: ['c'], keys: ['x'] } }] });
    expect(checkWasmPlugin(p).map((i) => i.path)).toEqual(['spec.matchRules.0.config']);
  });

  it('leaves kinds Higress does not read alone', () => {
    expect(checkHigressObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toBeUndefined();
  });

  it('checks console AI route ConfigMaps: upstreams a PUT accepts, the name the console looks up', () => {
    const cm = (route: Record<string, unknown>, name = 'ai-route-r') => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' } },
      data: {
        data: JSON.stringify({ name: 'r', domains: [], pathPredicate: { matchType: 'PRE', matchValue: '/' }, authConfig: { enabled: false }, ...route }),
      },
    });
    expect(checkHigressObject(cm({ upstreams: [{ provider: 'p', weight: 100 }] }))).toEqual([]);
    expect(checkHigressObject(cm({ upstreams: [] }))?.map((i) => i.path)).toEqual(['data.data.upstreams']);
    expect(checkHigressObject(cm({ upstreams: [{ provider: 'p' }] }, 'ai-route-other'))?.map((i) => i.path)).toEqual(['data.data.name']);
  });
});

describe('mcp-server (REST to MCP)', () => {
  const tool = {
    name: 'get_weather',
    description: 'Weather',
    args: [{ name: 'city', description: 'city', type: 'string', required: true, position: 'query' }],
    requestTemplate: { url: 'https://api.example.com/w', method: 'GET' },
    responseTemplate: { prependBody: '# Weather\n' },
    outputSchema: { type: 'object', properties: { temp: { type: 'number' } } },
  };

  it('accepts the openapi-to-mcpserver shape with security schemes', () => {
    const config = {
      server: {
        name: 'weather',
        securitySchemes: [{ id: 'key', type: 'apiKey', in: 'header', name: 'X-Key', defaultCredential: 'k' }],
        defaultUpstreamSecurity: { id: 'key' },
      },
      tools: [tool],
    };
    expect(mcpServerConfigSchema.safeParse(config).error?.issues).toBeUndefined();
  });

  it('rejects a bad arg position, two body modes, body with prependBody and an undeclared scheme', () => {
    const bad = (t: object, server: object = { name: 's' }) => mcpServerConfigSchema.safeParse({ server, tools: [{ ...tool, ...t }] }).success;
    expect(bad({ args: [{ name: 'c', description: '', position: 'form' }] })).toBe(false);
    expect(bad({ requestTemplate: { url: 'u', method: 'POST', argsToJsonBody: true, argsToFormBody: true } })).toBe(false);
    expect(bad({ responseTemplate: { body: '{{.}}', prependBody: 'x' } })).toBe(false);
    expect(bad({ security: { id: 'nope' } })).toBe(false);
    expect(bad({ requestTemplate: undefined, responseTemplate: {} })).toBe(false);
  });
});

describe('the other plugins', () => {
  it('model-router rejects the console-only enable flag and keeps autoRouting typed', () => {
    expect(modelRouterConfigSchema.safeParse({ modelToHeader: 'x-higress-llm-model', enable: true }).success).toBe(false);
    expect(modelRouterConfigSchema.safeParse({ autoRouting: { enable: true, rules: [{ pattern: 'code', model: 'm' }] } }).success).toBe(true);
  });

  it('key-auth needs exactly one of credential/credentials per consumer', () => {
    expect(keyAuthConfigSchema.safeParse({ consumers: [{ name: 'a', credential: 'x', credentials: ['y'] }] }).success).toBe(false);
    expect(
      keyAuthConfigSchema.safeParse({ consumers: [{ name: 'a', credentials: ['Bearer x'], keys: ['Authorization'], in_header: true, in_query: false }] })
        .success,
    ).toBe(true);
  });

  it('ai-token-ratelimit needs exactly one of global_threshold and rule_items, one limit_by each', () => {
    const redis = { service_name: 'redis.static' };
    expect(aiTokenRatelimitConfigSchema.safeParse({ rule_name: 'r', redis }).success).toBe(false);
    expect(aiTokenRatelimitConfigSchema.safeParse({ rule_name: 'r', redis, global_threshold: { token_per_minute: 100 } }).success).toBe(true);
    const item = { limit_by_header: 'x-key', limit_by_per_ip: 'from-remote-addr', limit_keys: [{ key: '*', token_per_minute: 1 }] };
    expect(aiTokenRatelimitConfigSchema.safeParse({ rule_name: 'r', redis, rule_items: [item] }).success).toBe(false);
  });

  it('ai-cache needs a store and rejects unknown vector types', () => {
    expect(aiCacheConfigSchema.safeParse({}).success).toBe(false);
    expect(aiCacheConfigSchema.safeParse({ cache: { type: 'redis', serviceName: 'redis.static' }, enableSemanticCache: false }).success).toBe(true);
    expect(aiCacheConfigSchema.safeParse({ vector: { type: 'faiss', serviceName: 'v.dns' } }).success).toBe(false);
  });

  it('ai-agent needs an llm and at least one api', () => {
    const llm = { serviceName: 'llm.dns', servicePort: 443, domain: 'api.example.com', path: '/v1/chat/completions', model: 'm' };
    const api = { apiProvider: { serviceName: 'tool.dns', servicePort: 80, domain: 'tool.example.com' }, api: 'openapi: 3.0.0' };
    expect(aiAgentConfigSchema.safeParse({ llm, apis: [] }).success).toBe(false);
    expect(aiAgentConfigSchema.safeParse({ llm, apis: [api], promptTemplate: { language: 'EN' } }).success).toBe(true);
  });
});

describe('Ingress annotations and McpBridge', () => {
  it('rejects unknown higress.io keys and malformed values, accepts match keys and our own prefix', () => {
    const ok = {
      'higress.io/destination': '60% a.dns:443\n40% b.dns:443',
      'higress.io/exact-match-header-x-higress-llm-model': 'gpt-4o',
      'ai.higress.io/owner': 'ModelPool/a/b',
    };
    expect(ingressAnnotationsSchema.safeParse(ok).success).toBe(true);
    expect(ingressAnnotationsSchema.safeParse({ ...ok, 'higress.io/rewrite-paht': '/mcp' }).success).toBe(false);
    expect(ingressAnnotationsSchema.safeParse({ ...ok, 'higress.io/destination': '60% a.dns:443\n30% b.dns:443' }).success).toBe(false);
    expect(ingressAnnotationsSchema.safeParse({ ...ok, 'higress.io/mcp-server-upstream-type': 'websocket' }).success).toBe(false);
  });

  it('McpBridge must be named default with unique, well-formed registries', () => {
    const bridge = (name: string, registries: object[]) => ({
      apiVersion: 'networking.higress.io/v1',
      kind: 'McpBridge',
      metadata: { name, namespace: 'higress-system' },
      spec: { registries },
    });
    const r = { name: 'a', type: 'dns', domain: 'api.openai.com', port: 443, protocol: 'https' };
    expect(mcpBridgeSchema.safeParse(bridge('default', [r])).success).toBe(true);
    expect(mcpBridgeSchema.safeParse(bridge('other', [r])).success).toBe(false);
    expect(mcpBridgeSchema.safeParse(bridge('default', [r, r])).success).toBe(false);
    expect(mcpBridgeSchema.safeParse(bridge('default', [{ ...r, type: 'static', domain: 'api.openai.com' }])).success).toBe(false);
  });
});
