import type { McpRestTool } from '../../contracts/higress/index.js';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildAiRouteObjects, type AiRoute } from './ai-route.js';
import { buildMcpServerIngress, mcpKeyAuthRule, mcpServerEnabled, openApiToolsRule, withMcpServerEnabled } from './mcp-server.js';
import {
  CONSOLE_PLUGINS,
  CREATED_BY_ANNOTATION,
  ENTRY_OWNERS_ANNOTATION,
  mergePluginShares,
  type PluginShare,
  type SharedWasmPlugin,
} from './shared-plugins.js';

/**
 * Golden: the objects a LIVE Higress console wrote (copied verbatim from
 * ../shared/reference/higress-console-objects.yaml) must be what our builders produce for the same inputs,
 * modulo our owners and created-by annotations on the shared plugins.
 */
const docs = parseAllDocuments(readFileSync(join(import.meta.dirname ?? process.cwd(), '__golden__', 'console-objects.yaml'), 'utf8')).map(
  (d) => d.toJSON() as { kind: string; metadata: { name: string; annotations?: Record<string, string> } },
);
const golden = (kind: string, name: string) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`no ${kind} ${name} in golden`);
  return d;
};
const NS = 'higress-system';

const chat: AiRoute = {
  name: 'chat-c',
  domains: [],
  pathPredicate: { matchType: 'PRE', matchValue: '/', caseSensitive: false },
  upstreams: [{ provider: 'openai-c', weight: 100, modelMapping: { '*': 'gpt-4o-mini' } }],
  modelPredicates: [{ matchType: 'EQUAL', matchValue: 'gpt-4o-mini' }],
  authConfig: { enabled: false },
  proxyNextUpstream: { enabled: true, attempts: 3, timeout: 120, conditions: ['error', 'timeout', 'non_idempotent'] },
};
const ctx = { namespace: NS, ingressClassName: 'higress', service: (p: string) => ({ name: `llm-${p}.internal.dns`, port: 443 }) };
const objs = buildAiRouteObjects(ctx, chat);

function withoutOwners(p: SharedWasmPlugin): SharedWasmPlugin {
  const annotations = { ...(p.metadata.annotations ?? {}) };
  delete annotations[ENTRY_OWNERS_ANNOTATION];
  delete annotations[CREATED_BY_ANNOTATION];
  return { ...p, metadata: { ...p.metadata, annotations } };
}
const merged = (name: keyof typeof CONSOLE_PLUGINS, share: PluginShare) =>
  withoutOwners(mergePluginShares(undefined, CONSOLE_PLUGINS[name], NS, new Map([['ModelPool/a/b', share]])).plugin);

describe('console forms (golden: objects a live console wrote)', () => {
  it('AI route ConfigMap: byte-for-byte JSON, console labels', () => {
    expect(objs.configMap).toEqual(golden('ConfigMap', 'ai-route-chat-c'));
  });

  it('AI route Ingress', () => {
    expect(objs.ingresses).toEqual([golden('Ingress', 'ai-route-chat-c.internal')]);
  });

  it('provider entry and service rule in ai-proxy.internal', () => {
    const plugin = merged('ai-proxy.internal', {
      entries: [{ apiTokens: ['sk-console-test'], id: 'openai-c', protocol: 'openai', type: 'openai' }],
      rules: [{ service: ['llm-openai-c.internal.dns'], configDisable: false, config: { activeProviderId: 'openai-c' } }],
    });
    expect(plugin).toEqual(golden('WasmPlugin', 'ai-proxy.internal'));
  });

  it('model-router, model-mapper and ai-statistics rules of the route', () => {
    expect(merged('model-router.internal', { defaults: { modelToHeader: 'x-higress-llm-model' } })).toEqual(golden('WasmPlugin', 'model-router.internal'));
    expect(merged('model-mapper.internal', { rules: objs.rules['model-mapper.internal'] })).toEqual(golden('WasmPlugin', 'model-mapper.internal'));
    expect(merged('ai-statistics-2.0.1', { rules: objs.rules['ai-statistics-2.0.1'] })).toEqual(golden('WasmPlugin', 'ai-statistics-2.0.1'));
  });

  it('DIRECT_ROUTE and OPEN_API MCP servers, their key-auth and tool rules', () => {
    const docsC = buildMcpServerIngress({
      namespace: NS,
      server: 'docs-c',
      type: 'DIRECT_ROUTE',
      ingressClassName: 'higress',
      domains: [],
      destination: 'docs-c.dns:8080',
      description: 'docs via console',
      direct: { path: '/mcp', transport: 'streamable', upstreamHost: 'docs-rag.ai-demo.svc.cluster.local' },
    });
    expect(docsC).toEqual(golden('Ingress', 'mcp-server-docs-c.internal'));
    const weather = buildMcpServerIngress({
      namespace: NS,
      server: 'weather-c',
      type: 'OPEN_API',
      ingressClassName: 'higress',
      domains: [],
      destination: 'docs-c.dns:8080',
      description: 'weather openapi',
    });
    expect(weather).toEqual(golden('Ingress', 'mcp-server-weather-c.internal'));
    const tools: McpRestTool[] = [
      {
        args: [{ description: 'city', name: 'city', required: true, type: 'string' }],
        description: 'Get weather',
        name: 'get_weather',
        requestTemplate: { method: 'GET', url: 'http://example.invalid/w?city={{.args.city}}' },
      },
    ];
    expect(merged('mcp-server.internal', { rules: [openApiToolsRule('weather-c', { tools })] })).toEqual(golden('WasmPlugin', 'mcp-server.internal'));
    const keyAuth = merged('key-auth.internal', {
      seedRules: [...objs.rules['key-auth.internal'], mcpKeyAuthRule('docs-c'), mcpKeyAuthRule('weather-c', [], true)],
    });
    expect(keyAuth).toEqual(golden('WasmPlugin', 'key-auth.internal'));
  });

  it('reads mcpServer.enable from higress-config', () => {
    expect(mcpServerEnabled('mcpServer:\n  enable: true\n  sse_path_suffix: /sse\n')).toBe(true);
    expect(mcpServerEnabled('mcpServer:\n  enable: false\n')).toBe(false);
    expect(mcpServerEnabled('tracing: {}\n')).toBe(false);
    expect(mcpServerEnabled(': : bad')).toBe(false);
  });

  it('switches mcpServer.enable on (operator opt-in) keeping every other key, and never rewrites what it cannot read', () => {
    const on = withMcpServerEnabled('tracing:\n  enable: false\nmcpServer:\n  sse_path_suffix: /sse\n  enable: false\n');
    expect(mcpServerEnabled(on)).toBe(true);
    expect(on).toContain('sse_path_suffix: /sse');
    expect(on).toContain('tracing:');
    expect(withMcpServerEnabled('- a list\n')).toBeUndefined();
  });
});
