import { describe, expect, it } from '@jest/globals';
import { PROVIDER_TYPES } from '../api/v1alpha1/modelpool.js';
import { buildRouteIngress, destinationAnnotation } from './ingress.js';
import { buildRegistry, InvalidEndpointError, upstreamFromUrl } from './mcpbridge.js';
import { boundedName, destination, routeName, serviceHost } from './names.js';
import { pluginImage } from './plugins.js';
import { PROVIDERS } from './providers/registry.js';
import type { MatchRule } from './types.js';
import { buildWasmPlugin, InvalidMatchRuleError, sortMatchRules } from './wasmplugin.js';

describe('names', () => {
  it('route names are bare in the system namespace and ns/name elsewhere (reference §3.3)', () => {
    expect(routeName('higress-system', 'r', 'higress-system')).toBe('r');
    expect(routeName('team-a', 'r', 'higress-system')).toBe('team-a/r');
  });

  it('service host and destination follow <registry>.<type>[:port]', () => {
    const dns = buildRegistry('aiop-x', { host: 'api.openai.com', port: 443, protocol: 'https' });
    expect(serviceHost(dns)).toBe('aiop-x.dns');
    expect(destination(dns)).toBe('aiop-x.dns:443');
    const ip = buildRegistry('aiop-y', { host: '10.0.0.1', port: 8000, protocol: 'http' });
    expect(ip).toEqual({ name: 'aiop-y', type: 'static', domain: '10.0.0.1:8000', port: 80, protocol: 'http' });
    expect(destination(ip)).toBe('aiop-y.static:80');
  });

  it('boundedName is DNS-safe, bounded and distinguishes look-alikes', () => {
    const a = boundedName(['aiop', 'a-b', 'c']);
    const b = boundedName(['aiop', 'a', 'b-c']);
    expect(a).not.toBe(b);
    expect(boundedName(['aiop', 'GPT-4o'])).not.toBe(boundedName(['aiop', 'gpt-4o']));
    const long = boundedName(['aiop', 'n'.repeat(100), 'meta-llama/Llama-3.1-405B']);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('upstreamFromUrl', () => {
  it('derives port and protocol from the scheme', () => {
    expect(upstreamFromUrl('https://api.openai.com/v1')).toEqual({ host: 'api.openai.com', port: 443, protocol: 'https' });
    expect(upstreamFromUrl('http://vllm:8000/v1')).toEqual({ host: 'vllm', port: 8000, protocol: 'http' });
    expect(upstreamFromUrl('http://[fd00::1]:8080')).toEqual({ host: 'fd00::1', port: 8080, protocol: 'http' });
  });

  it('rejects non-http schemes with a reason', () => {
    expect(() => upstreamFromUrl('ftp://x')).toThrow(InvalidEndpointError);
  });
});

describe('destinationAnnotation', () => {
  it('writes a single target bare and several as percentages summing to 100', () => {
    expect(destinationAnnotation([{ target: 'a.dns:443', weight: 7 }])).toBe('a.dns:443');
    const text = destinationAnnotation([
      { target: 'a.dns:443', weight: 1 },
      { target: 'b.dns:443', weight: 1 },
      { target: 'c.dns:443', weight: 1 },
      { target: 'd.dns:443', weight: 0 },
    ]);
    expect(text).toBe('34% a.dns:443\n33% b.dns:443\n33% c.dns:443');
  });
});

describe('buildRouteIngress', () => {
  it('uses the McpBridge resource backend, the model header match and retries', () => {
    const ing = buildRouteIngress({
      metadata: { name: 'r', namespace: 'higress-system' },
      ingressClassName: 'higress',
      hosts: ['b.example.com', 'a.example.com'],
      path: '/v1',
      destinations: [{ target: 'x.dns:443', weight: 100 }],
      exactHeaders: { 'x-higress-llm-model': 'gpt-4o' },
      retries: { attempts: 2, timeoutSeconds: 30, on: ['error', 'http_502'] },
      timeoutSeconds: 60,
    });
    expect(ing.metadata.annotations).toEqual({
      'higress.io/destination': 'x.dns:443',
      'higress.io/exact-match-header-x-higress-llm-model': 'gpt-4o',
      'higress.io/ignore-path-case': 'false',
      'higress.io/proxy-next-upstream': 'error,http_502',
      'higress.io/proxy-next-upstream-timeout': '30',
      'higress.io/proxy-next-upstream-tries': '2',
      'higress.io/timeout': '60',
    });
    expect(ing.spec.rules.map((r) => r.host)).toEqual(['a.example.com', 'b.example.com']);
    expect(ing.spec.rules[0]!.http.paths[0]!.backend.resource).toEqual({ apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' });
  });
});

describe('WasmPlugin builder', () => {
  const rule = (r: Partial<MatchRule>): MatchRule => ({ configDisable: false, config: {}, ...r });

  it('orders rules service → ingress → domain (reference §2.1), most specific first', () => {
    const sorted = sortMatchRules([
      rule({ domain: ['d'] }),
      rule({ ingress: ['i'] }),
      rule({ service: ['s2'] }),
      rule({ service: ['s1'] }),
      rule({ ingress: ['i'], service: ['s'] }),
    ]);
    expect(sorted.map((r) => [r.ingress, r.service, r.domain].map((x) => x?.join()).join('|'))).toEqual(['i|s|', '|s1|', '|s2|', 'i||', '||d']);
  });

  it('refuses a rule without ingress, domain or service (Higress would drop the whole plugin)', () => {
    expect(() => buildWasmPlugin({ plugin: 'ai-proxy', metadata: { name: 'p', namespace: 'n' }, matchRules: [rule({})] })).toThrow(InvalidMatchRuleError);
  });

  it('takes phase/priority from the catalogue and the image tag from options', () => {
    const wp = buildWasmPlugin({ plugin: 'model-router', metadata: { name: 'p', namespace: 'n' }, defaultConfig: {}, image: { tag: '1.0.0' } });
    expect(wp.spec).toMatchObject({ phase: 'AUTHN', priority: 900, defaultConfigDisable: false, url: pluginImage('model-router', { tag: '1.0.0' }) });
    expect(wp.spec.url).toBe('oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/model-router:1.0.0');
  });
});

describe('provider catalogue', () => {
  it('has one definition per API provider type, and vendor types have a default endpoint', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_TYPES].sort());
    for (const def of Object.values(PROVIDERS)) {
      if (def.defaultEndpoint) expect(() => upstreamFromUrl(def.defaultEndpoint!)).not.toThrow();
    }
  });
});
