import { errorMessage } from '../util/errors.js';
import { domainConfigMap } from '../higress/console/ai-route.js';
import {
  CONSOLE_PLUGINS,
  CREATED_BY_ANNOTATION,
  ENTRY_OWNERS_ANNOTATION,
  syncSharedPlugin,
  type ConsolePluginName,
  type PluginShare,
  type SharedWasmPlugin,
} from '../higress/console/shared-plugins.js';
import type { KubeClient } from '../kube/client.js';
import { reasonOf } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { MCPBRIDGE_NAME, syncRegistrySets, versionToMerge, type McpBridge } from '../kube/mcpbridge.js';
import { parseOwners } from '../kube/owners-record.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, ownerOf } from '../kube/owner.js';
import { Resources } from '../kube/resources.js';
import type { PluginImageOptions } from '../higress/plugins.js';
import type { MatchRule } from '../higress/types.js';
import type { PoolRender } from '../reconcilers/modelpool.js';
import type { ObjectError } from '../reconcilers/modelpool-status.js';
import { aiRouteOwner, type ConfigMapObject } from './modelpool-objects.js';

/**
 * What all pools of one gateway namespace share, converged in one pass: their providers and rules in
 * the console-owned WasmPlugins (`ai-proxy.internal`, `model-router.internal`, `model-mapper.internal`,
 * `ai-statistics-2.0.1`, `ai-cache-2.0.1`, `key-auth.internal`), their registries in `McpBridge/default`, the console's
 * `domain-<d>` ConfigMaps, and the removal of the aggregated `aiop-*` WasmPlugins of earlier versions.
 * One read-merge-write per shared object for all pools: N pools cost one write, not N.
 */

const KIND = 'ModelPool';
/** WasmPlugins earlier versions aggregated every pool into (ADR 0003, first version); removed on sight. */
export const LEGACY_PLUGINS = ['aiop-ai-proxy', 'aiop-model-router'];

export interface GatewayDeps {
  client: KubeClient;
  wasmPlugins: Informer<SharedWasmPlugin>;
  mcpBridges: Informer<McpBridge>;
  configMaps: Informer<ConfigMapObject>;
  ingresses: Informer<KubeObject>;
  /** Image of a console plugin the operator creates because the console has not. */
  pluginImage?: PluginImageOptions | undefined;
}

export interface GatewayResult {
  /** A write that failed for the whole gateway. */
  error?: ObjectError;
  /** Per owner id: entries of the pool held by someone else, `WasmPlugin/<name>` → holder. */
  conflicts: Map<string, Map<string, string>>;
  /** Shared objects written (or deleted), merged (written or not), and skipped as already settled. */
  written: number;
  merged: number;
  skipped: number;
}

/**
 * What the last pass of a gateway merged from, and per shared object the version known to hold that merge.
 * A pass whose inputs are the same objects (renders are cached per pool version) over the same shared-object
 * versions would merge to the same result and write nothing: it skips the merge. bench:operator at 500 pools:
 * every pass re-merged ~1,000 providers and rules per plugin — after each of its own writes came back as an
 * event and on every resync — and `mergePluginShares` alone was 10% of the operator's CPU, before its garbage.
 */
export interface GatewayMemo {
  renders: readonly PoolRender[];
  held: readonly (ReadonlySet<string> | undefined)[];
  liveOwners: ReadonlySet<string>;
  reliedOn: boolean;
  /** `WasmPlugin/<name>` or `McpBridge/default` → the settled version and the conflicts that merge reported. */
  settled: Map<string, { version: string | undefined; conflicts: Map<string, string> }>;
}

function sameInputs(a: GatewayMemo | undefined, b: Omit<GatewayMemo, 'settled'>): boolean {
  if (!a || a.reliedOn !== b.reliedOn || a.renders.length !== b.renders.length || a.liveOwners.size !== b.liveOwners.size) return false;
  for (let i = 0; i < a.renders.length; i++) if (a.renders[i] !== b.renders[i] || a.held[i] !== b.held[i]) return false;
  for (const o of b.liveOwners) if (!a.liveOwners.has(o)) return false;
  return true;
}

/** A share without the rules that target `held` objects (routes whose names someone else holds). */
function withoutHeld(share: PluginShare, held: ReadonlySet<string> | undefined): PluginShare {
  if (!held?.size) return share;
  const keep = (r: MatchRule) => !(r.ingress ?? []).some((i) => held.has(i));
  return { ...share, ...(share.rules ? { rules: share.rules.filter(keep) } : {}), ...(share.seedRules ? { seedRules: share.seedRules.filter(keep) } : {}) };
}

export async function syncGateway(
  deps: GatewayDeps,
  gw: string,
  renders: readonly PoolRender[],
  liveOwners: ReadonlySet<string>,
  /** Object names of a pool held by someone else: no rule of ours may target those routes. */
  heldBy: (ownerId: string) => ReadonlySet<string> | undefined = () => undefined,
  /** The memo of this gateway's last pass; updated in place (see {@link GatewayMemo}). */
  memo?: { current?: GatewayMemo },
): Promise<GatewayResult> {
  const conflicts = new Map<string, Map<string, string>>();
  let written = 0;
  let merged = 0;
  let skipped = 0;
  const release = (id: string) => id.startsWith(`${KIND}/`) && !liveOwners.has(id);
  const plugins = Object.keys(CONSOLE_PLUGINS).filter((n) => n !== 'mcp-server.internal') as ConsolePluginName[];
  // An AI route that is not a pool's (the console's, a SemanticRouter's) may need a plugin's global config even
  // when it holds no rule there (model-router's modelToHeader): then a plugin we created stays.
  const reliedOn = deps.configMaps.store.someInNamespace(gw, (cm) => aiRouteOwner(cm)?.kind !== KIND);
  const inputs = { renders, held: renders.map((r) => heldBy(r.ownerId)), liveOwners, reliedOn };
  const previous = sameInputs(memo?.current, inputs) ? memo!.current!.settled : undefined;
  const settled: GatewayMemo['settled'] = new Map();
  if (memo) memo.current = { ...inputs, settled };
  const addConflicts = (name: string, found: ReadonlyMap<string, string>) => {
    for (const [owner, message] of found) {
      const m = conflicts.get(owner) ?? new Map<string, string>();
      m.set(`WasmPlugin/${name}`, message);
      conflicts.set(owner, m);
    }
  };
  /** True when `object` is known to hold the merge of these inputs already (its conflicts are reported again). */
  const isSettled = (object: string, version: string | undefined): boolean => {
    const last = previous?.get(object);
    if (!last || last.version !== version) return false;
    settled.set(object, last);
    skipped++;
    return true;
  };
  const settle = (object: string, found: ReadonlyMap<string, string>) => (version: string | undefined) => {
    settled.set(object, { version, conflicts: new Map(found) });
  };
  const writePlugin = async (name: ConsolePluginName) => {
    const cached = deps.wasmPlugins.store.get(makeKey(gw, name));
    const object = `WasmPlugin/${name}`;
    const mergeOnto = versionToMerge(Resources.WasmPlugin, gw, name, cached);
    if (isSettled(object, mergeOnto)) return addConflicts(name, settled.get(object)!.conflicts);
    // A rendered pool that no longer contributes to a plugin it still holds items in (spec.cache removed,
    // every model unrouted) contributes an empty share, so those items go; absent from the record, nothing.
    const holders = new Set(Object.values(parseOwners(cached?.metadata.annotations?.[ENTRY_OWNERS_ANNOTATION])));
    const desired = new Map<string, PluginShare>();
    for (const r of renders) {
      const share = r.shares[name] ?? (holders.has(r.ownerId) ? {} : undefined);
      if (share) desired.set(r.ownerId, withoutHeld(share, heldBy(r.ownerId)));
    }
    // Nothing to add, nothing of ours to remove and not a plugin we created: leave the console's plugin (or its
    // absence) alone.
    if (!desired.size && ![...holders].some((h) => h.startsWith(`${KIND}/`)) && cached?.metadata.annotations?.[CREATED_BY_ANNOTATION] === undefined) {
      settle(object, new Map())(mergeOnto);
      return;
    }
    let version: { v: string | undefined } | undefined;
    merged++;
    const result = await syncSharedPlugin(deps.client, {
      namespace: gw,
      plugin: CONSOLE_PLUGINS[name],
      desired,
      release,
      cached,
      image: deps.pluginImage,
      reliedOn,
      settled: (v) => (version = { v }),
    });
    // A deleted plugin (nobody uses it any more) is not settled: the next pass looks again.
    if (version) settle(object, result.conflicts)(version.v);
    if (result.written) written++;
    addConflicts(name, result.conflicts);
  };
  const writeRegistries = async () => {
    const cached = deps.mcpBridges.store.get(makeKey(gw, MCPBRIDGE_NAME));
    const object = `McpBridge/${MCPBRIDGE_NAME}`;
    if (isSettled(object, versionToMerge(Resources.McpBridge, gw, MCPBRIDGE_NAME, cached))) return;
    merged++;
    const result = await syncRegistrySets(deps.client, {
      namespace: gw,
      desired: new Map(renders.map((r) => [r.ownerId, r.registries.map((reg) => ({ ...reg }))])),
      // Entries of pools that are gone (or being deleted) go; a live pool whose spec no longer parses keeps its.
      release,
      cached,
      settled: settle(object, new Map()),
    });
    if (result.written) written++;
  };
  try {
    // Providers before routes' rules would be the console's order, but each object converges on its own
    // and a pool is Ready only once all of them carry it, so they are written side by side.
    await Promise.all([...plugins.map(writePlugin), writeRegistries(), writeDomains(deps, gw, renders), deleteLegacy(deps, gw)]);
    return { conflicts, written, merged, skipped };
  } catch (err) {
    // What failed is not settled: the next pass merges every object again.
    if (memo) memo.current = undefined;
    return { conflicts, written, merged, skipped, error: { reason: `Gateway${reasonOf(err)}`, message: `gateway namespace ${gw}: ${errorMessage(err)}` } };
  }
}

/**
 * `domain-<d>` ConfigMaps for route domains (HiMarket's `GET /v1/domains/{d}` needs them). Created when
 * absent and then left to the console: a domain is a gateway-wide object others may use too.
 */
async function writeDomains(deps: GatewayDeps, gw: string, renders: readonly PoolRender[]): Promise<void> {
  const domains = new Set(renders.flatMap((r) => r.domains));
  for (const d of [...domains].sort()) {
    const cm = domainConfigMap(gw, d, { [MANAGED_BY_LABEL]: MANAGED_BY });
    if (deps.configMaps.store.get(makeKey(gw, cm.metadata.name)) || (await deps.client.get(Resources.ConfigMap, cm.metadata.name, gw))) continue;
    await deps.client.create(Resources.ConfigMap, cm);
  }
}

/**
 * Migration: the aggregated plugins of earlier versions go once no `aiop-*` route of ours is left (each pool
 * prunes its old routes right after applying its console routes), so no request meets an old route
 * whose provider rule is already gone.
 */
async function deleteLegacy(deps: GatewayDeps, gw: string): Promise<void> {
  // Every pass asks, and the gateway namespace holds two Ingresses per pool: walked in place, not copied out.
  const oldRoutes = deps.ingresses.store.someInNamespace(gw, (i) => i.metadata.name?.startsWith('aiop-') === true && ownerOf(i)?.kind === KIND);
  if (oldRoutes) return;
  for (const name of LEGACY_PLUGINS) {
    const p = deps.wasmPlugins.store.get(makeKey(gw, name));
    if (p?.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) await deps.client.delete(Resources.WasmPlugin, name, gw);
  }
}
