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
  });
  it('refuses a baseline outside the pool, an alias that shadows a model, and a wrong apiVersion', () => {
    expect(() => parseRouterConfig({ ...base, policy: { baselineModel: 'nope' } })).toThrow(RouterConfigError);
    expect(() => parseRouterConfig({ ...base, policy: { baselineModel: 'big', aliases: ['small'] } })).toThrow(/aliases/);
    expect(() => parseRouterConfig({ ...base, apiVersion: 'v0' })).toThrow(/apiVersion/);
  });
});
