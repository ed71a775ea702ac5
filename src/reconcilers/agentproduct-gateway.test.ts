import { describe, expect, it } from '@jest/globals';
import { compareConsoleRules } from '../higress/console/shared-plugins.js';
import type { MatchRule, WasmPlugin } from '../higress/types.js';
import { sameSpec, sharedPluginMerger, unusedPlugin, type SharedPluginEdit } from './agentproduct-gateway.js';

// The steady-state guarantees of the AgentProduct's edits of shared console plugins: a second pass over what
// the API server hands back writes nothing (issue 7/9: "zero writes on resync" saw these PUTs).

const template: WasmPlugin = {
  apiVersion: 'extensions.higress.io/v1alpha1',
  kind: 'WasmPlugin',
  metadata: { name: 'key-auth.internal', namespace: 'gw' },
  spec: { url: 'oci://x/key-auth:2.0.0', phase: 'AUTHN', priority: 310, failStrategy: 'FAIL_OPEN', defaultConfigDisable: true, matchRules: [] },
};
const rule = (ingress: string, allow: string[]): MatchRule => ({ ingress: [ingress], configDisable: false, config: { allow } });
const edit = (rules: MatchRule[]): SharedPluginEdit => ({ name: 'key-auth.internal', rules, ownedRoutes: rules.map((r) => r.ingress![0]!), template });

/** What the API server returns for a CRD object: every map with its keys sorted (Go's encoding/json). */
function sortedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortedKeys) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]),
  ) as T;
}

describe('sharedPluginMerger in steady state', () => {
  it('sees no change in an object the API server sent back with its keys reordered', () => {
    const mine = edit([rule('mcp-server-team-a-shop.internal', ['team-a-bob'])]);
    const written = sharedPluginMerger.merge(undefined, mine);
    const readBack = sortedKeys(written);
    expect(JSON.stringify(readBack.spec)).not.toBe(JSON.stringify(written.spec));
    expect(sameSpec(readBack, sharedPluginMerger.merge(readBack, mine))).toBe(true);
  });

  it('keeps our rule where another writer sorted it, so the console order and ours do not undo each other', () => {
    const mine = edit([rule('mcp-server-a-shop.internal', ['a-bob'])]);
    const foreign = rule('ai-route-z.internal', ['himarket-consumer']);
    // The ModelPool merge and the console both write the rules sorted by compareConsoleRules.
    const sorted = sharedPluginMerger.merge({ ...template, spec: { ...template.spec, matchRules: [foreign] } }, mine);
    sorted.spec.matchRules.sort(compareConsoleRules);
    expect(sorted.spec.matchRules.map((r) => r.ingress![0])).toEqual(['ai-route-z.internal', 'mcp-server-a-shop.internal']);
    const reordered = { ...sorted, spec: { ...sorted.spec, matchRules: [...sorted.spec.matchRules].reverse() } };
    const again = sharedPluginMerger.merge(reordered, mine);
    expect(sameSpec(reordered, again)).toBe(true);
  });

  it('replaces our rule in place and removes the ones we no longer want', () => {
    const foreign = rule('ai-route-z.internal', ['c']);
    const existing = {
      ...template,
      spec: { ...template.spec, matchRules: [rule('mcp-server-a-old.internal', ['x']), rule('mcp-server-a-shop.internal', ['x']), foreign] },
    };
    const next = sharedPluginMerger.merge(existing, {
      ...edit([rule('mcp-server-a-shop.internal', ['y'])]),
      ownedRoutes: ['mcp-server-a-old.internal', 'mcp-server-a-shop.internal'],
    });
    expect(next.spec.matchRules).toEqual([rule('mcp-server-a-shop.internal', ['y']), foreign]);
  });
});

describe('plugins the AgentProduct created', () => {
  it('go once nobody holds a rule or a consumer in them; a console-created plugin never does', () => {
    const mine = edit([rule('mcp-server-a-shop.internal', ['a-bob'])]);
    const created = sharedPluginMerger.merge(undefined, mine);
    expect(unusedPlugin(created)).toBe(false);
    const emptied = sharedPluginMerger.merge(created, { ...edit([]), ownedRoutes: ['mcp-server-a-shop.internal'] });
    expect(unusedPlugin(emptied)).toBe(true);
    // Someone else's consumer keeps it.
    const withConsumer = { ...emptied, spec: { ...emptied.spec, defaultConfig: { consumers: [{ name: 'himarket-c' }] } } };
    expect(unusedPlugin(withConsumer)).toBe(false);
    // A pool that recorded itself as an owner (an empty share) still uses it.
    const pooled = {
      ...emptied,
      metadata: { ...emptied.metadata, annotations: { ...emptied.metadata.annotations, 'ai.higress.io/entry-owners': '{"rule:x":"ModelPool/a/p"}' } },
    };
    expect(unusedPlugin(pooled)).toBe(false);
    // The console's own plugin carries no mark: emptied, not deleted.
    const consoles = sharedPluginMerger.merge(
      { ...template, spec: { ...template.spec, matchRules: [rule('mcp-server-a-shop.internal', ['a-bob'])] } },
      { ...edit([]), ownedRoutes: ['mcp-server-a-shop.internal'] },
    );
    expect(unusedPlugin(consoles)).toBe(false);
  });
});
