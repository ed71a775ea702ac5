import type { MatchRule } from '../higress/types.js';
import type { KubeClient } from '../kube/client.js';
import { isConflict } from '../kube/errors.js';
import { jsonEqual, type KubeObject } from '../kube/object.js';
import { ownersUpdate, parseOwners } from '../kube/owners-record.js';
import { Resources } from '../kube/resources.js';
import type { ProviderEntry } from '../reconcilers/semanticrouter-gateway.js';

/**
 * The router's provider entry in the console's WasmPlugin `ai-proxy.internal` (higress.md §7.1.1 and §11:
 * the console reads providers nowhere else, and `PUT /v1/ai/routes/…` answers 400 "Unknown provider" for an
 * AI route whose provider is missing there). Read-merge-write, as McpBridge `default` is merged: entries and
 * match rules we do not own are kept untouched; ours are tracked in an annotation and removed on delete.
 *
 * The plugin itself is the console's (created with its first provider, or by the ModelPool console-form
 * objects): when it does not exist yet this writes nothing and says so, so the caller can report it.
 */

export const AI_PROXY_PLUGIN = 'ai-proxy.internal';
/** Owners record `{providerId: "Kind/namespace/name"}` of the providers we put into ai-proxy.internal (src/kube/owners-record.ts). */
export const PROVIDER_OWNERS_ANNOTATION = 'ai.higress.io/provider-owners';

type AiProxyPlugin = KubeObject & {
  spec: { defaultConfig?: { providers?: Array<{ id: string } & Record<string, unknown>> } & Record<string, unknown>; matchRules?: MatchRule[] } & Record<
    string,
    unknown
  >;
};

export type ProviderSync = { result: 'written' | 'unchanged' } | { result: 'pluginMissing' } | { result: 'conflict'; message: string };

const ruleProvider = (r: MatchRule): unknown => r.config?.activeProviderId;

/**
 * `list` with the items matching `mine` replaced by `next` where the first of them stood (appended when there was
 * none), or removed when `next` is undefined. Ours keep their place because the console and the ModelPool merge
 * sort the rules when they write (`compareConsoleRules`): moving ours back to the end on every pass would make
 * each writer undo the other forever. Pure.
 */
export function replaceInPlace<T>(list: readonly T[], mine: (x: T) => boolean, next: T | undefined): T[] {
  const out: T[] = [];
  let placed = false;
  for (const x of list) {
    if (!mine(x)) out.push(x);
    else if (next !== undefined && !placed) {
      out.push(next);
      placed = true;
    }
  }
  if (next !== undefined && !placed) out.push(next);
  return out;
}

/** Ensure (entry given) or remove (entry undefined) `owner`'s provider in ai-proxy.internal. */
export async function syncRouterProvider(
  client: KubeClient,
  opts: { namespace: string; owner: string; providerId: string; entry?: { provider: ProviderEntry; rule: MatchRule } },
): Promise<ProviderSync> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const plugin = await client.get<AiProxyPlugin>(Resources.WasmPlugin, AI_PROXY_PLUGIN, opts.namespace);
    if (!plugin) return { result: 'pluginMissing' };
    const ownersText = plugin.metadata.annotations?.[PROVIDER_OWNERS_ANNOTATION];
    const owners = parseOwners(ownersText);
    const providers = [...(plugin.spec.defaultConfig?.providers ?? [])];
    const rules = [...(plugin.spec.matchRules ?? [])];
    const existing = providers.find((p) => p.id === opts.providerId);
    if (existing && owners[opts.providerId] !== opts.owner) {
      return { result: 'conflict', message: `ai-proxy.internal already has a provider ${opts.providerId} that is not ours` };
    }
    const nextProviders = replaceInPlace(providers, (p) => p.id === opts.providerId, opts.entry ? { ...opts.entry.provider } : undefined);
    const nextRules = replaceInPlace(rules, (r) => ruleProvider(r) === opts.providerId, opts.entry?.rule);
    const nextOwners = { ...owners };
    if (opts.entry) nextOwners[opts.providerId] = opts.owner;
    else delete nextOwners[opts.providerId];
    const record = ownersUpdate(ownersText, nextOwners);
    if (jsonEqual(nextProviders, providers) && jsonEqual(nextRules, rules) && !record.changed) return { result: 'unchanged' };
    const updated: AiProxyPlugin = {
      ...plugin,
      metadata: { ...plugin.metadata, annotations: { ...(plugin.metadata.annotations ?? {}), [PROVIDER_OWNERS_ANNOTATION]: record.text } },
      spec: { ...plugin.spec, defaultConfig: { ...(plugin.spec.defaultConfig ?? {}), providers: nextProviders }, matchRules: nextRules },
    };
    try {
      await client.update(Resources.WasmPlugin, updated);
      return { result: 'written' };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  return { result: 'conflict', message: 'ai-proxy.internal kept changing under us (5 write conflicts)' };
}
