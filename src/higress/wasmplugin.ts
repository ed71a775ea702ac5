import { PLUGINS, pluginImage, type PluginImageOptions, type PluginName } from './plugins.js';
import type { MatchRule, ObjectMeta, WasmPlugin } from './types.js';

/**
 * Rank of a matchRule in evaluation order. Rules are first-match-wins (reference §2.1), and the console
 * sorts service rules before ingress rules before domain rules; a rule naming both an ingress and a
 * service is the most specific, so it goes first.
 */
function ruleRank(r: MatchRule): number {
  const has = (xs?: string[]) => (xs?.length ?? 0) > 0;
  if (has(r.ingress) && has(r.service)) return 0;
  if (has(r.service)) return 1;
  if (has(r.ingress)) return 2;
  return 3;
}

const ruleKey = (r: MatchRule) => [...(r.service ?? []), '|', ...(r.ingress ?? []), '|', ...(r.domain ?? [])].join(',');

/** Sort rules service → ingress → domain, then by their targets, so output is deterministic. */
export function sortMatchRules(rules: readonly MatchRule[]): MatchRule[] {
  return [...rules].sort((a, b) => ruleRank(a) - ruleRank(b) || (ruleKey(a) < ruleKey(b) ? -1 : ruleKey(a) > ruleKey(b) ? 1 : 0));
}

export class InvalidMatchRuleError extends Error {
  readonly reason = 'InvalidMatchRule';
}

export interface WasmPluginInput {
  plugin: PluginName;
  metadata: ObjectMeta;
  image?: PluginImageOptions;
  /** Global config; omitted ⇒ `defaultConfigDisable: true` (only rules apply). */
  defaultConfig?: Record<string, unknown>;
  matchRules?: readonly MatchRule[];
}

/**
 * A WasmPlugin with the catalogue's phase/priority and `FAIL_OPEN` (what the console writes).
 * Throws when a rule has no ingress/domain/service — Higress would drop the whole plugin (reference §2.1).
 */
export function buildWasmPlugin(input: WasmPluginInput): WasmPlugin {
  const info = PLUGINS[input.plugin];
  for (const r of input.matchRules ?? []) {
    if (!r.ingress?.length && !r.domain?.length && !r.service?.length) {
      throw new InvalidMatchRuleError(`${input.metadata.name}: a matchRule needs ingress, domain or service`);
    }
  }
  return {
    apiVersion: 'extensions.higress.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: input.metadata,
    spec: {
      url: pluginImage(input.plugin, input.image),
      phase: info.phase,
      priority: info.priority,
      failStrategy: 'FAIL_OPEN',
      defaultConfigDisable: input.defaultConfig === undefined,
      ...(input.defaultConfig !== undefined ? { defaultConfig: input.defaultConfig } : {}),
      matchRules: sortMatchRules(input.matchRules ?? []),
    },
  };
}
