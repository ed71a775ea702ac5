import { describe, expect, it } from '@jest/globals';
import { compareConsoleRules } from '../higress/console/shared-plugins.js';
import type { MatchRule } from '../higress/types.js';
import { replaceInPlace } from './semanticrouter-provider.js';

const rule = (id: string): MatchRule => ({ service: [`llm-${id}.internal.dns`], configDisable: false, config: { activeProviderId: id } });
const mine = (r: MatchRule) => r.config.activeProviderId === 'router';

describe('the router provider keeps its place in ai-proxy.internal', () => {
  it('a list the ModelPool merge (or the console) sorted is a fixed point: no write back and forth', () => {
    const sorted = [rule('z-pool'), rule('router'), rule('a-pool')].sort(compareConsoleRules);
    expect(sorted.map((r) => r.config.activeProviderId)).toEqual(['a-pool', 'router', 'z-pool']);
    expect(replaceInPlace(sorted, mine, rule('router'))).toEqual(sorted);
  });

  it('replaces ours where it stood, appends it when new, removes it when gone', () => {
    const updated = { ...rule('router'), config: { activeProviderId: 'router', x: 1 } };
    expect(replaceInPlace([rule('router'), rule('a')], mine, updated)).toEqual([updated, rule('a')]);
    expect(replaceInPlace([rule('a')], mine, rule('router'))).toEqual([rule('a'), rule('router')]);
    expect(replaceInPlace([rule('a'), rule('router'), rule('router')], mine, undefined)).toEqual([rule('a')]);
  });
});
