import type { KubeClient } from '../../kube/client.js';
import { readMergeWrite, REMOVE } from '../../kube/mcpbridge.js';
import { ownersUpdate, parseOwners } from '../../kube/owners-record.js';
import { MANAGED_BY } from '../../kube/owner.js';
import { jsonEqual, type KubeObject } from '../../kube/object.js';
import { Resources } from '../../kube/resources.js';
import { ReasonError } from '../../util/errors.js';
import { DEFAULT_PLUGIN_HUB, type PluginImageOptions, type PluginName } from '../plugins.js';
import type { MatchRule, WasmPhase } from '../types.js';
import { consoleMeta } from './meta.js';
import { byCodeUnit } from '../../util/order.js';

/**
 * Merging our entries into the WasmPlugins the Higress console owns (`ai-proxy.internal`,
 * `model-router.internal`, `model-mapper.internal`, `ai-statistics-2.0.1`, `ai-cache-2.0.1`, `key-auth.internal`,
 * `mcp-server.internal`), the way `McpBridge/default` registries are merged (src/kube/mcpbridge.ts):
 * entries we do not own are kept untouched, ours are tracked in an owners annotation and removed when
 * their owner releases them. The console keeps unknown annotations when it rewrites a plugin
 * (`KubernetesModelConverter.mergeWasmPluginSpec` replaces the spec only), so the record survives.
 *
 * API (for every kind that contributes to a console plugin):
 *   const result = await syncSharedPlugin(client, {
 *     namespace, plugin: CONSOLE_PLUGINS['ai-proxy.internal'],
 *     desired: new Map([[ownerId, { entries: [provider], rules: [serviceRule] }]]),
 *     release: (id) => id.startsWith('ModelPool/') && !live.has(id),   // owners that are gone
 *     cached: informerCopy,
 *   });
 *   result.conflicts.get(ownerId) // → "a foreign entry already holds that id": report NameConflict
 * A {@link PluginShare} holds, per owner: `entries` of the defaultConfig list (providers, consumers) by
 * `id`/`name`; `rules` (matchRules, keyed by their targets, replaced when they differ); `seedRules`
 * (created when absent and never updated: allow-lists belong to whoever grants access, e.g. HiMarket
 * through the console); `defaults` (global defaultConfig keys, e.g. model-router's `modelToHeader`).
 */

export const ENTRY_OWNERS_ANNOTATION = 'ai.higress.io/entry-owners';
/**
 * On a console plugin the operator created because the console had not: once it holds no entry and no rule of
 * anyone, and nothing outside the merge relies on it, the operator deletes it again. A plugin the console
 * created never carries it and is never deleted by us. The console keeps the mark when it rewrites the plugin
 * (`KubernetesModelConverter.mergeWasmPluginSpec` replaces the spec only).
 */
export const CREATED_BY_ANNOTATION = 'ai.higress.io/created-by';

export interface PluginShare {
  entries?: readonly Record<string, unknown>[];
  rules?: readonly MatchRule[];
  seedRules?: readonly MatchRule[];
  defaults?: Readonly<Record<string, unknown>>;
}

/** A console-owned WasmPlugin: its name, image, phase/priority and console metadata (plugins/<name>/spec.yaml). */
export interface ConsolePlugin {
  name: string;
  plugin: string;
  version: string;
  imageTag: string;
  phase: WasmPhase;
  priority: number;
  category: string;
  title: string;
  description: string;
  icon: string;
  /** defaultConfig list our entries go to, and the field identifying an entry. */
  list?: { field: string; id: string };
  /** Global config of a fresh plugin (the console's key-auth starts with one). */
  initialDefaultConfig?: Record<string, unknown>;
  /** `defaultConfigDisable` follows "the list is empty" (ai-proxy: `LlmProviderServiceImpl`). */
  disableWhenEmpty?: boolean;
}

const ICON_AI = 'https://img.alicdn.com/imgextra/i1/O1CN018iKKih1iVx287RltL_!!6000000004419-2-tps-42-42.png';

/** The plugins as a live console wrote them (../shared/reference/higress-console-objects.yaml). */
export const CONSOLE_PLUGINS = {
  'ai-proxy.internal': {
    name: 'ai-proxy.internal',
    plugin: 'ai-proxy',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'UNSPECIFIED_PHASE',
    priority: 100,
    category: 'ai',
    title: 'AI Proxy',
    description: 'Provide unified OpenAI API compatible interface to call different AI service providers.',
    icon: ICON_AI,
    list: { field: 'providers', id: 'id' },
    disableWhenEmpty: true,
  },
  'model-router.internal': {
    name: 'model-router.internal',
    plugin: 'model-router',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'AUTHN',
    priority: 900,
    category: 'ai',
    title: 'AI Model Router',
    description: 'Implements the functionality of routing based on the `model` parameter in the LLM protocol.',
    icon: ICON_AI,
  },
  'model-mapper.internal': {
    name: 'model-mapper.internal',
    plugin: 'model-mapper',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'AUTHN',
    priority: 800,
    category: 'ai',
    title: 'AI Model Mapper',
    description: 'Implements the functionality of rule-based model value mapping in the LLM protocol.',
    icon: ICON_AI,
  },
  'ai-statistics-2.0.1': {
    name: 'ai-statistics-2.0.1',
    plugin: 'ai-statistics',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'UNSPECIFIED_PHASE',
    priority: 900,
    category: 'ai',
    title: 'AI Statistics',
    description: 'Provides statistics of token usage, including logs, monitoring, and alerts.',
    icon: ICON_AI,
  },
  // Not in the reference dump: the console's instance of a non-internal plugin is `<name>-<version>`
  // (higress-console KubernetesModelConverter.wasmPluginToCr), phase `default` / priority 800 and the
  // en-US title/description from backend/sdk/src/main/resources/plugins/ai-cache/spec.yaml.
  'ai-cache-2.0.1': {
    name: 'ai-cache-2.0.1',
    plugin: 'ai-cache',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'UNSPECIFIED_PHASE',
    priority: 800,
    category: 'ai',
    title: 'AI Cache',
    description: 'Cache the response of large language models, significantly reduce the response latency of similar problems and save costs.',
    icon: ICON_AI,
  },
  'key-auth.internal': {
    name: 'key-auth.internal',
    plugin: 'key-auth',
    version: '1.0.0',
    imageTag: '2.0.0',
    phase: 'AUTHN',
    priority: 310,
    category: 'auth',
    title: 'Key Auth',
    description: 'Authentication based on API Key.',
    icon: 'https://img.alicdn.com/imgextra/i4/O1CN01BPFGlT1pGZ2VDLgaH_!!6000000005333-2-tps-42-42.png',
    list: { field: 'consumers', id: 'name' },
    initialDefaultConfig: { allow: [], consumers: [], global_auth: false, keys: ['x-higress-dummy-key'] },
  },
  'mcp-server.internal': {
    name: 'mcp-server.internal',
    plugin: 'mcp-server',
    version: '2.0.1',
    imageTag: '2.0.1',
    phase: 'UNSPECIFIED_PHASE',
    priority: 999,
    category: 'ai',
    title: 'MCP Server',
    description: 'Host MCP servers for AI tool integration.',
    icon: 'https://img.alicdn.com/imgextra/i1/O1CN01wv8H4g1mS4MUzC1QC_!!6000000004952-2-tps-1764-597.png',
  },
} as const satisfies Record<string, ConsolePlugin>;
export type ConsolePluginName = keyof typeof CONSOLE_PLUGINS;

export interface SharedWasmPlugin extends KubeObject {
  spec?: {
    defaultConfig?: Record<string, unknown>;
    defaultConfigDisable?: boolean;
    matchRules?: MatchRule[];
    [field: string]: unknown;
  };
}

/**
 * A fresh console plugin as the console creates it (`WasmPluginServiceImpl` + `renderDefaultMetadata`).
 * `image` overrides hub/tag (the operator's `--plugin-image-tag`); the console's own tag otherwise.
 */
export function newConsolePlugin(p: ConsolePlugin, namespace: string, image: PluginImageOptions = {}): SharedWasmPlugin {
  const tag = image.tags?.[p.plugin as PluginName] ?? image.tag ?? p.imageTag;
  const meta = consoleMeta(
    p.name,
    namespace,
    {
      'higress.io/wasm-plugin-built-in': 'true',
      'higress.io/wasm-plugin-category': p.category,
      'higress.io/wasm-plugin-name': p.plugin,
      'higress.io/wasm-plugin-version': p.version,
    },
    { 'higress.io/wasm-plugin-description': p.description, 'higress.io/wasm-plugin-icon': p.icon, 'higress.io/wasm-plugin-title': p.title },
  );
  return {
    apiVersion: 'extensions.higress.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: meta,
    spec: {
      ...(p.initialDefaultConfig ? { defaultConfig: structuredClone(p.initialDefaultConfig) } : {}),
      defaultConfigDisable: p.initialDefaultConfig === undefined,
      failStrategy: 'FAIL_OPEN',
      imagePullPolicy: 'UNSPECIFIED_POLICY',
      matchRules: [],
      phase: p.phase,
      priority: p.priority,
      url: `oci://${image.hub ?? DEFAULT_PLUGIN_HUB}/${image.namespace ?? 'plugins'}/${p.plugin}:${tag}`,
    },
  };
}

/** Identity of a matchRule: its targets (`MatchRule.keyEquals` in the console). */
export function ruleKey(r: Pick<MatchRule, 'ingress' | 'service' | 'domain'>): string {
  return `rule:${(r.ingress ?? []).join(',')}|${(r.service ?? []).join(',')}|${(r.domain ?? []).join(',')}`;
}

function cmpLists(a: readonly string[] | undefined, b: readonly string[] | undefined): number {
  const ea = !a?.length;
  const eb = !b?.length;
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = byCodeUnit(a[i]!, b[i]!);
    if (c) return c;
  }
  return 0;
}

/** `KubernetesModelConverter.compareMatchRules`: service rules, then ingress rules, then domain rules. */
export function compareConsoleRules(r1: MatchRule, r2: MatchRule): number {
  const has = (x?: string[]) => (x?.length ?? 0) > 0;
  const e1 = !has(r1.domain) && !has(r1.ingress) && !has(r1.service);
  const e2 = !has(r2.domain) && !has(r2.ingress) && !has(r2.service);
  if (e1 || e2) return e1 === e2 ? 0 : e1 ? 1 : -1;
  if (has(r1.service) !== has(r2.service)) return has(r1.service) ? -1 : 1;
  if (has(r1.service)) {
    const c = cmpLists(r1.service, r2.service);
    if (c) return c;
  }
  if (has(r1.ingress) !== has(r2.ingress)) return has(r1.ingress) ? -1 : 1;
  if (has(r1.ingress)) {
    const c = cmpLists(r1.ingress, r2.ingress);
    if (c) return c;
  }
  if (has(r1.domain) !== has(r2.domain)) return has(r1.domain) ? 1 : -1;
  return has(r1.domain) ? cmpLists(r1.domain, r2.domain) : 0;
}

export interface SharedMergeResult {
  plugin: SharedWasmPlugin;
  changed: boolean;
  /** The operator created the plugin, no owner wants a share of it and nobody holds anything in it: it should go. */
  unused: boolean;
  /** Owners whose entry or rule collided with one that is not theirs; their other items still merge. */
  conflicts: Map<string, string>;
}

interface Wanted<T> {
  owner: string;
  value: T;
}

/**
 * Merge every owner's {@link PluginShare} into `current` (or a fresh console plugin). Pure.
 * Owners absent from `desired` for which `release` answers true lose everything they own.
 */
export function mergePluginShares(
  current: SharedWasmPlugin | undefined,
  def: ConsolePlugin,
  namespace: string,
  desired: ReadonlyMap<string, PluginShare>,
  release: (owner: string) => boolean = () => false,
  image: PluginImageOptions = {},
  /** Something outside `desired` may rely on the plugin's global config (AI routes that are not ModelPools'). */
  reliedOn = false,
): SharedMergeResult {
  const fresh = newConsolePlugin(def, namespace, image);
  const base = current ?? {
    ...fresh,
    metadata: { ...fresh.metadata, annotations: { ...(fresh.metadata.annotations ?? {}), [CREATED_BY_ANNOTATION]: MANAGED_BY } },
  };
  const spec = base.spec ?? {};
  const defaultConfig: Record<string, unknown> = { ...(spec.defaultConfig ?? {}) };
  const list = def.list;
  const currentEntries: Record<string, unknown>[] =
    list && Array.isArray(defaultConfig[list.field]) ? (defaultConfig[list.field] as Record<string, unknown>[]) : [];
  const entryKey = (e: Record<string, unknown>) => `entry:${String(list ? e[list.id] : '')}`;
  const currentRules = spec.matchRules ?? [];

  // Keys computed once per item, and the owners record read in place: a pass merges every pool's items (thousands
  // at 500 pools), and copying the record filtered was a good part of this function's cost in bench:operator.
  const currentEntryKeys = currentEntries.map(entryKey);
  const currentRuleKeys = currentRules.map(ruleKey);
  const present = new Set([...currentEntryKeys, ...currentRuleKeys]);
  const ownersText = base.metadata.annotations?.[ENTRY_OWNERS_ANNOTATION];
  const recorded = parseOwners(ownersText);
  /** The recorded owner of an item still present (records of vanished items are dropped). */
  const owners = (k: string): string | undefined => (present.has(k) && Object.hasOwn(recorded, k) ? recorded[k] : undefined);
  const inScope = (o: string | undefined) => o !== undefined && (desired.has(o) || release(o));

  const conflicts = new Map<string, string>();
  const wantEntries = new Map<string, Wanted<Record<string, unknown>>>();
  const wantRules = new Map<string, Wanted<MatchRule> & { seed: boolean }>();
  const defaults: Record<string, unknown> = {};
  for (const [owner, share] of desired) {
    for (const e of share.entries ?? []) wantEntries.set(entryKey(e), { owner, value: e });
    for (const r of share.rules ?? []) wantRules.set(ruleKey(r), { owner, value: r, seed: false });
    for (const r of share.seedRules ?? []) wantRules.set(ruleKey(r), { owner, value: r, seed: true });
    Object.assign(defaults, share.defaults ?? {});
  }
  const claim = <W extends Wanted<unknown> & { seed?: boolean }>(want: Map<string, W>, key: string): W | undefined => {
    const w = want.get(key);
    if (!w || owners(key) === w.owner) return w;
    want.delete(key);
    // A grant someone else already wrote for our target is exactly what a seed rule waits for.
    if (!w.seed) conflicts.set(w.owner, `${def.name}: ${key.replace(/^\w+:/, '')} already belongs to ${owners(key) ?? 'an entry we do not own'}`);
    return undefined;
  };

  const nextOwners: Record<string, string> = {};
  const entries: Record<string, unknown>[] = [];
  currentEntries.forEach((e, i) => {
    const k = currentEntryKeys[i]!;
    const w = claim(wantEntries, k);
    const owner = owners(k);
    if (w) {
      entries.push(w.value);
      nextOwners[k] = w.owner;
      wantEntries.delete(k);
    } else if (!inScope(owner)) {
      entries.push(e);
      if (owner) nextOwners[k] = owner;
    }
  });
  for (const [k, w] of [...wantEntries].sort(([a], [b]) => byCodeUnit(a, b))) {
    entries.push(w.value);
    nextOwners[k] = w.owner;
  }

  const rules: MatchRule[] = [];
  currentRules.forEach((r, i) => {
    const k = currentRuleKeys[i]!;
    const w = claim(wantRules, k);
    const owner = owners(k);
    if (w) {
      rules.push(w.seed ? r : w.value);
      nextOwners[k] = w.owner;
      wantRules.delete(k);
    } else if (!inScope(owner)) {
      rules.push(r);
      if (owner) nextOwners[k] = owner;
    }
  });
  for (const [k, w] of wantRules) {
    rules.push(w.value);
    nextOwners[k] = w.owner;
  }
  rules.sort(compareConsoleRules);

  if (list) defaultConfig[list.field] = entries;
  Object.assign(defaultConfig, defaults);
  const enabled = list && def.disableWhenEmpty ? entries.length > 0 : Object.keys(defaults).length > 0 || spec.defaultConfigDisable === false;
  const hasDefault = Object.keys(defaultConfig).length > 0;
  const nextSpec = {
    ...spec,
    ...(hasDefault ? { defaultConfig } : {}),
    defaultConfigDisable: !enabled,
    matchRules: rules,
  };
  if (!hasDefault) delete nextSpec.defaultConfig;
  const nextOwnersRecord = ownersUpdate(ownersText, nextOwners);
  const plugin: SharedWasmPlugin = {
    ...base,
    metadata: { ...base.metadata, annotations: { ...(base.metadata.annotations ?? {}), [ENTRY_OWNERS_ANNOTATION]: nextOwnersRecord.text } },
    spec: nextSpec,
  };
  const changed = !current || !jsonEqual(nextSpec, spec) || nextOwnersRecord.changed;
  // A live owner with an empty share (a pool without model mappings) still uses the plugin, as the console would.
  const unused = base.metadata.annotations?.[CREATED_BY_ANNOTATION] === MANAGED_BY && !reliedOn && !desired.size && !entries.length && !rules.length;
  return { plugin, changed, unused, conflicts };
}

export interface SyncSharedPluginOptions {
  namespace: string;
  plugin: ConsolePlugin;
  desired: ReadonlyMap<string, PluginShare>;
  release?: (owner: string) => boolean;
  /** A cached copy (informer) tried first; a 409 falls back to a GET. */
  cached?: SharedWasmPlugin | undefined;
  maxAttempts?: number;
  /** Image of a plugin the console has not created yet. */
  image?: PluginImageOptions | undefined;
  /** See {@link mergePluginShares}: keeps a plugin we created even when no share holds anything in it. */
  reliedOn?: boolean;
  /** See `ReadMergeWriteOptions.settled` (src/kube/mcpbridge.ts). */
  settled?: ((version: string | undefined) => void) | undefined;
}

export interface SyncSharedResult {
  /** Written, created or (an unused plugin we created) deleted. */
  written: boolean;
  conflicts: Map<string, string>;
}

/**
 * Read-merge-write of one console plugin with optimistic concurrency (resourceVersion), serialized per object.
 * A plugin we created that nobody holds anything in any more is deleted (only if still at the version we read).
 */
export async function syncSharedPlugin(client: KubeClient, opts: SyncSharedPluginOptions): Promise<SyncSharedResult> {
  let conflicts = new Map<string, string>();
  const written = await readMergeWrite<SharedWasmPlugin>(client, {
    rt: Resources.WasmPlugin,
    name: opts.plugin.name,
    namespace: opts.namespace,
    cached: opts.cached,
    maxAttempts: opts.maxAttempts,
    settled: opts.settled,
    exhausted: (n) =>
      new ReasonError('SharedObjectConflictRetriesExhausted', `WasmPlugin ${opts.namespace}/${opts.plugin.name}: still conflicting after ${n} attempts`),
    merge: (observed) => {
      const merged = mergePluginShares(observed, opts.plugin, opts.namespace, opts.desired, opts.release, opts.image, opts.reliedOn);
      conflicts = merged.conflicts;
      if (merged.unused) return observed ? REMOVE : undefined;
      return merged.changed ? merged.plugin : undefined;
    },
  });
  return { written, conflicts };
}
