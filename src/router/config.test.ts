import { describe, expect, it } from '@jest/globals';
import { parseRouterConfig, ROUTER_CONFIG_VERSION, RouterConfigError } from './config.js';

const base = {
  apiVersion: ROUTER_CONFIG_VERSION,
  upstream: { baseUrl: 'http://gateway/v1' },
  models: [
    { name: 'big', pricePer1MInput: 5, pricePer1MOutput: 15 },
    { name: 'small', pricePer1MInput: 0.1, pricePer1MOutput: 0.1 },
  ],
  policy: { baselineModel: 'big' },
};

describe('parseRouterConfig', () => {
  it('fills defaults', () => {
    const c = parseRouterConfig(base);
    expect(c.policy.aliases).toEqual(['auto']);
    expect(c.flywheel.mode).toBe('off');
    expect(c.store.kind).toBe('sqlite');
    expect(c.upstream.maxFallbacks).toBe(2);
    expect([c.listen.port, c.admin.port]).toEqual([8080, 8081]);
  });
  it('gives the admin API a port of its own (0 = ephemeral for both)', () => {
    expect(() => parseRouterConfig({ ...base, admin: { port: 8080 } })).toThrow(/admin.port: 8080 is also listen.port/);
    expect(parseRouterConfig({ ...base, listen: { port: 0 }, admin: { port: 0 } }).admin.port).toBe(0);
  });
  it('refuses a baseline outside the pool, an alias that shadows a model, and a wrong apiVersion', () => {
    expect(() => parseRouterConfig({ ...base, policy: { baselineModel: 'nope' } })).toThrow(RouterConfigError);
    expect(() => parseRouterConfig({ ...base, policy: { baselineModel: 'big', aliases: ['small'] } })).toThrow(/aliases/);
    expect(() => parseRouterConfig({ ...base, apiVersion: 'v0' })).toThrow(/apiVersion/);
  });
});
