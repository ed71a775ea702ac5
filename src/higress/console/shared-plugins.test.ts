import { describe, expect, it } from '@jest/globals';
import {
  CONSOLE_PLUGINS,
  CREATED_BY_ANNOTATION,
  ENTRY_OWNERS_ANNOTATION,
  mergePluginShares,
  newConsolePlugin,
  type SharedWasmPlugin,
} from './shared-plugins.js';
import { parseOwners, serializeOwners } from '../../kube/owners-record.js';

const NS = 'higress-system';
const proxy = CONSOLE_PLUGINS['ai-proxy.internal'];
const keyAuth = CONSOLE_PLUGINS['key-auth.internal'];
const provider = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'openai', protocol: 'openai', ...extra });
const serviceRule = (id: string) => ({ service: [`llm-${id}.internal.dns`], configDisable: false, config: { activeProviderId: id } });
const A = 'ModelPool/team/a';
const B = 'ModelPool/team/b';

/** ai-proxy.internal as the console left it after someone added provider `console-p` in the console. */
function consoleProxy(): SharedWasmPlugin {
  return {
    apiVersion: 'extensions.higress.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: { name: 'ai-proxy.internal', namespace: NS, resourceVersion: '7' },
    spec: { defaultConfig: { providers: [provider('console-p')] }, defaultConfigDisable: false, matchRules: [serviceRule('console-p')] },
  };
}

describe('mergePluginShares', () => {
  it('adds ours beside foreign entries, tracks them, removes them on release, leaves foreign ones alone', () => {
    const add = mergePluginShares(consoleProxy(), proxy, NS, new Map([[A, { entries: [provider('a')], rules: [serviceRule('a')] }]]));
    expect(add.changed).toBe(true);
    expect(add.plugin.spec?.defaultConfig?.providers).toEqual([provider('console-p'), provider('a')]);
    expect(add.plugin.spec?.matchRules?.map((r) => r.config.activeProviderId)).toEqual(['a', 'console-p']);
    expect(parseOwners(add.plugin.metadata.annotations![ENTRY_OWNERS_ANNOTATION])).toEqual({ 'entry:a': A, 'rule:|llm-a.internal.dns|': A });

    const again = mergePluginShares(add.plugin, proxy, NS, new Map([[A, { entries: [provider('a')], rules: [serviceRule('a')] }]]));
    expect(again.changed).toBe(false);

    const gone = mergePluginShares(add.plugin, proxy, NS, new Map(), (o) => o === A);
    expect(gone.plugin.spec?.defaultConfig?.providers).toEqual([provider('console-p')]);
    expect(gone.plugin.spec?.matchRules).toEqual([serviceRule('console-p')]);
    expect(gone.plugin.spec?.defaultConfigDisable).toBe(false);
  });

  it('rewrites a v1 owners record as v2 once, even unchanged; an equal v2 text in another order is left alone', () => {
    const share = new Map([[A, { entries: [provider('a')], rules: [serviceRule('a')] }]]);
    const v2 = mergePluginShares(consoleProxy(), proxy, NS, share).plugin;
    const owners = parseOwners(v2.metadata.annotations![ENTRY_OWNERS_ANNOTATION]);
    const withText = (text: string): SharedWasmPlugin => ({ ...v2, metadata: { ...v2.metadata, annotations: { [ENTRY_OWNERS_ANNOTATION]: text } } });

    const v1 = mergePluginShares(withText(JSON.stringify({ 'rule:|llm-a.internal.dns|': A, 'entry:a': A })), proxy, NS, share);
    expect(v1.changed).toBe(true);
    expect(v1.plugin.spec).toEqual(v2.spec);
    expect(v1.plugin.metadata.annotations![ENTRY_OWNERS_ANNOTATION]).toBe(serializeOwners({ ...owners }));
    expect(mergePluginShares(v1.plugin, proxy, NS, share).changed).toBe(false);

    // Another writer's v2 text of the same record (unsorted, not abbreviated): equal, so no rewrite back and forth.
    const other = JSON.stringify({ v: 2, o: { [A]: ['rule:|llm-a.internal.dns|', 'entry:a'] } });
    expect(mergePluginShares(withText(other), proxy, NS, share).changed).toBe(false);
    // An empty v1 record on a plugin nobody of ours holds anything in: one rewrite, then nothing.
    const empty = mergePluginShares(
      { ...consoleProxy(), metadata: { ...consoleProxy().metadata, annotations: { [ENTRY_OWNERS_ANNOTATION]: '{}' } } },
      proxy,
      NS,
      new Map(),
    );
    expect(empty.changed).toBe(true);
    expect(empty.plugin.metadata.annotations![ENTRY_OWNERS_ANNOTATION]).toBe('{"v":2,"o":{}}');
    expect(mergePluginShares(empty.plugin, proxy, NS, new Map()).changed).toBe(false);
  });

  it('never overwrites a foreign entry of the same id: the owner gets a conflict, its other entries merge', () => {
    const r = mergePluginShares(consoleProxy(), proxy, NS, new Map([[A, { entries: [provider('console-p', { apiTokens: ['x'] }), provider('a2')] }]]));
    expect(r.conflicts.get(A)).toMatch(/console-p already belongs to an entry we do not own/);
    expect(r.plugin.spec?.defaultConfig?.providers).toEqual([provider('console-p'), provider('a2')]);
  });

  it("keeps owners apart: B cannot take A's entry, releasing B leaves A", () => {
    const one = mergePluginShares(
      undefined,
      proxy,
      NS,
      new Map([
        [A, { entries: [provider('a')] }],
        [B, { entries: [provider('b')] }],
      ]),
    );
    const steal = mergePluginShares(one.plugin, proxy, NS, new Map([[B, { entries: [provider('a', { x: 1 })] }]]));
    expect(steal.conflicts.get(B)).toMatch(/already belongs to ModelPool\/team\/a/);
    const rel = mergePluginShares(one.plugin, proxy, NS, new Map(), (o) => o === B);
    expect(rel.plugin.spec?.defaultConfig?.providers).toEqual([provider('a')]);
  });

  it('disables ai-proxy globally when its provider list becomes empty (as the console does)', () => {
    const one = mergePluginShares(undefined, proxy, NS, new Map([[A, { entries: [provider('a')] }]]));
    expect(one.plugin.spec?.defaultConfigDisable).toBe(false);
    expect(mergePluginShares(one.plugin, proxy, NS, new Map(), () => true).plugin.spec?.defaultConfigDisable).toBe(true);
  });

  it('seed rules are written once and never reverted: a consumer granted through the console stays', () => {
    const seed = { ingress: ['ai-route-x.internal'], configDisable: true, config: {} };
    const first = mergePluginShares(undefined, keyAuth, NS, new Map([[A, { seedRules: [seed] }]]));
    const granted: SharedWasmPlugin = {
      ...first.plugin,
      spec: { ...first.plugin.spec, matchRules: [{ ingress: ['ai-route-x.internal'], configDisable: false, config: { allow: ['consumer-1'] } }] },
    };
    const after = mergePluginShares(granted, keyAuth, NS, new Map([[A, { seedRules: [seed] }]]));
    expect(after.changed).toBe(false);
    expect(after.plugin.spec?.matchRules?.[0]?.config).toEqual({ allow: ['consumer-1'] });
    // The route is gone: its grant goes with it.
    expect(mergePluginShares(granted, keyAuth, NS, new Map(), () => true).plugin.spec?.matchRules).toEqual([]);
  });

  it('a plugin we created goes once nobody holds anything in it; one the console created stays', () => {
    const router = CONSOLE_PLUGINS['model-router.internal'];
    const ours = mergePluginShares(undefined, proxy, NS, new Map([[A, { entries: [provider('a')], rules: [serviceRule('a')] }]]));
    expect(ours.plugin.metadata.annotations?.[CREATED_BY_ANNOTATION]).toBe('higress-ai-operator');
    expect(ours.unused).toBe(false);
    expect(mergePluginShares(ours.plugin, proxy, NS, new Map(), (o) => o === A).unused).toBe(true);
    // The console added a provider of its own to it: it stays when ours leave.
    const shared = { ...ours.plugin, spec: { ...ours.plugin.spec, defaultConfig: { providers: [provider('console-p'), provider('a')] } } };
    expect(mergePluginShares(shared, proxy, NS, new Map(), (o) => o === A).unused).toBe(false);
    // The console's own plugin, emptied of ours, is the console's to keep.
    expect(
      mergePluginShares(mergePluginShares(consoleProxy(), proxy, NS, new Map([[A, { entries: [provider('a')] }]])).plugin, proxy, NS, new Map(), () => true)
        .unused,
    ).toBe(false);
    // model-router holds no entry or rule, only global config: in use while a share asks for it or a route not of ours may need it.
    const mr = mergePluginShares(undefined, router, NS, new Map([[A, { defaults: { modelToHeader: 'x-higress-llm-model' } }]]));
    expect(mr.unused).toBe(false);
    expect(mergePluginShares(mr.plugin, router, NS, new Map([[B, {}]])).unused).toBe(false);
    expect(mergePluginShares(mr.plugin, router, NS, new Map(), () => true).unused).toBe(true);
    expect(mergePluginShares(mr.plugin, router, NS, new Map(), () => true, {}, true).unused).toBe(false);
    // Nothing wanted and nothing there: nothing to create either.
    expect(mergePluginShares(undefined, keyAuth, NS, new Map()).unused).toBe(true);
  });

  it("creates a missing console plugin with the operator's image tag when one is configured", () => {
    expect(newConsolePlugin(keyAuth, NS).spec?.url).toBe('oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0');
    expect(newConsolePlugin(proxy, NS, { tag: '2.1.0', hub: 'registry.local' }).spec?.url).toBe('oci://registry.local/plugins/ai-proxy:2.1.0');
  });
});
