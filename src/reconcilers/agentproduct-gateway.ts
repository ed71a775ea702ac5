import type { MatchRule, ObjectMeta, WasmPlugin } from '../higress/types.js';
import { CREATED_BY_ANNOTATION, ENTRY_OWNERS_ANNOTATION } from '../higress/console/shared-plugins.js';
import { jsonEqual } from '../kube/object.js';
import { MANAGED_BY } from '../kube/owner.js';
import { ownersRecordEmpty } from '../kube/owners-record.js';

/**
 * Edits of the Higress console's shared WasmPlugins (`mcp-server.internal`, `key-auth.internal`, and the
 * console-named `ai-agent-<version>` instance), behind one small interface so the console engineer's merge
 * helpers (src/higress/console/) can replace this implementation without touching the AgentProduct
 * reconciler. The rules: the console and HiMarket own everything in these objects except the matchRules on
 * the product's own Ingresses and the key-auth consumers the product wrote (remembered in its status); an
 * edit replaces exactly those, in place, and leaves the rest byte-for-byte alone.
 */
export interface KeyAuthConsumer {
  name: string;
  credentials: string[];
  keys: string[];
  in_header: boolean;
  in_query: boolean;
}

export interface SharedPluginEdit {
  /** The shared object's name, e.g. `mcp-server.internal`. */
  name: string;
  /** Our rules, each on exactly one of our Ingresses (route names). */
  rules: MatchRule[];
  /** Route names whose rules are ours: replaced by `rules`, removed when absent from them. */
  ownedRoutes: readonly string[];
  /** key-auth only: our consumers (replace by name) and the names we wrote before (removed when gone). */
  consumers?: KeyAuthConsumer[];
  ownedConsumers?: readonly string[];
  /** The console-form object to create when none exists yet. */
  template: WasmPlugin;
}

/** The created-by mark of a console plugin an AgentProduct created (see the merge below). */
export const CREATED_BY_AGENT_PRODUCT = `${MANAGED_BY}/AgentProduct`;

export interface SharedPluginMerger {
  merge(existing: WasmPlugin | undefined, edit: SharedPluginEdit): WasmPlugin;
}

// A rule on exactly one of our routes is ours, service-scoped or not (model-mapper's are per route and service).
const routeOf = (r: MatchRule) => (r.ingress?.length === 1 && !r.domain?.length ? r.ingress[0] : undefined);

/**
 * Merge by route name and consumer name. Ours are replaced where they stand and new ones appended; the rest
 * (the console's, HiMarket's, other controllers') keeps its order. In place matters: the ModelPool controller
 * sorts the rules of the console plugins it shares with us (compareConsoleRules), and moving ours to the end
 * on every pass would make the two controllers rewrite the object in turn forever.
 */
export const sharedPluginMerger: SharedPluginMerger = {
  merge(existing, edit) {
    const base = existing ?? edit.template;
    const owned = new Set([...edit.ownedRoutes, ...edit.rules.map(routeOf).filter((r): r is string => r !== undefined)]);
    const wanted = new Map(edit.rules.map((r) => [ruleId(r), r]));
    const rules: MatchRule[] = [];
    for (const r of base.spec.matchRules ?? []) {
      const route = routeOf(r);
      if (route === undefined || !owned.has(route)) rules.push(r);
      else if (wanted.has(ruleId(r))) {
        rules.push(wanted.get(ruleId(r))!);
        wanted.delete(ruleId(r));
      }
    }
    const spec: WasmPlugin['spec'] = { ...base.spec, matchRules: [...rules, ...wanted.values()] };
    if (edit.consumers) {
      const dc = { ...(base.spec.defaultConfig ?? edit.template.spec.defaultConfig ?? {}) };
      const mine = new Set([...(edit.ownedConsumers ?? []), ...edit.consumers.map((c) => c.name)]);
      const want = new Map(edit.consumers.map((c) => [c.name, c]));
      const current = Array.isArray(dc.consumers) ? (dc.consumers as { name?: unknown }[]) : [];
      const kept = current.flatMap((c) => {
        if (typeof c.name !== 'string' || !mine.has(c.name)) return [c];
        const next = want.get(c.name);
        want.delete(c.name);
        return next ? [next] : [];
      });
      dc.consumers = [...kept, ...want.values()];
      spec.defaultConfig = dc;
      spec.defaultConfigDisable = false;
    }
    // A plugin we create is marked so, and goes again once nobody holds anything in it (unusedPlugin): the console
    // had not created it, so leaving it would orphan it. The mark names the kind: the shared-plugin merge of pools
    // and routers deletes plugins marked with the bare operator name when *they* hold nothing in them, and would
    // take turns with us over a plugin only an AgentProduct uses (a create/delete loop, seen in the tests).
    const metadata: ObjectMeta = existing
      ? { ...existing.metadata }
      : { ...edit.template.metadata, annotations: { ...(edit.template.metadata.annotations ?? {}), [CREATED_BY_ANNOTATION]: CREATED_BY_AGENT_PRODUCT } };
    return { ...base, metadata, spec };
  },
};

/**
 * True for a plugin we created that holds no rule and no list entry (consumers, …) of anyone: deleting it loses
 * nothing. A plugin the console created is never unused in this sense, only emptied of ours.
 */
export function unusedPlugin(p: WasmPlugin): boolean {
  if (p.metadata.annotations?.[CREATED_BY_ANNOTATION] !== CREATED_BY_AGENT_PRODUCT || (p.spec.matchRules?.length ?? 0) > 0) return false;
  // Owners recorded by the shared-plugin merge (a pool with an empty share still uses the plugin, as the console's
  // routes do): deleting under them would have them create it again, and the two would take turns forever.
  if (!ownersRecordEmpty(p.metadata.annotations?.[ENTRY_OWNERS_ANNOTATION])) return false;
  return Object.values(p.spec.defaultConfig ?? {}).every((v) => !Array.isArray(v) || v.length === 0);
}

/** A rule's targets: one route, and the services a service-scoped rule (model-mapper) adds. */
const ruleId = (r: MatchRule) => JSON.stringify([r.ingress ?? [], r.service ?? []]);

/**
 * True when a merge would change nothing we care about (so the controller skips the write). Structural: the API
 * server hands objects back with their keys sorted, so comparing serializations wrote every plugin on every pass.
 */
export function sameSpec(a: WasmPlugin | undefined, b: WasmPlugin): boolean {
  return a !== undefined && jsonEqual(a.spec, b.spec);
}
