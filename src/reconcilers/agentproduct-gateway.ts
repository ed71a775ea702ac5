import type { MatchRule, ObjectMeta, WasmPlugin } from '../higress/types.js';
import { jsonEqual } from '../kube/object.js';

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

export interface SharedPluginMerger {
  merge(existing: WasmPlugin | undefined, edit: SharedPluginEdit): WasmPlugin;
}

const routeOf = (r: MatchRule) => (r.ingress?.length === 1 && !r.domain?.length && !r.service?.length ? r.ingress[0] : undefined);

/**
 * Merge by route name and consumer name. Our rules keep the place they already hold and new ones are appended:
 * the console and the ModelPool merge sort the rules when they write (`compareConsoleRules`), and moving ours
 * back to the end on every pass would make each writer undo the other forever.
 */
export const sharedPluginMerger: SharedPluginMerger = {
  merge(existing, edit) {
    const base = existing ?? edit.template;
    const wanted = new Map(edit.rules.flatMap((r) => {
      const route = routeOf(r);
      return route === undefined ? [] : [[route, r] as const];
    }));
    const owned = new Set([...edit.ownedRoutes, ...wanted.keys()]);
    const matchRules: MatchRule[] = [];
    for (const r of base.spec.matchRules ?? []) {
      const route = routeOf(r);
      if (route === undefined || !owned.has(route)) matchRules.push(r);
      else if (wanted.has(route)) {
        matchRules.push(wanted.get(route)!);
        wanted.delete(route);
      }
    }
    matchRules.push(...edit.rules.filter((r) => {
      const route = routeOf(r);
      return route === undefined || wanted.has(route);
    }));
    const spec: WasmPlugin['spec'] = { ...base.spec, matchRules };
    if (edit.consumers) {
      const dc = { ...(base.spec.defaultConfig ?? edit.template.spec.defaultConfig ?? {}) };
      const mine = new Set([...(edit.ownedConsumers ?? []), ...edit.consumers.map((c) => c.name)]);
      const current = Array.isArray(dc.consumers) ? (dc.consumers as { name?: unknown }[]) : [];
      dc.consumers = [...current.filter((c) => typeof c.name !== 'string' || !mine.has(c.name)), ...edit.consumers];
      spec.defaultConfig = dc;
      spec.defaultConfigDisable = false;
    }
    const metadata: ObjectMeta = existing ? { ...existing.metadata } : edit.template.metadata;
    return { ...base, metadata, spec };
  },
};

/**
 * True when a merge would change nothing we care about (so the controller skips the write). Structural: the API
 * server hands objects back with their keys sorted, so comparing serializations wrote every plugin on every pass.
 */
export function sameSpec(a: WasmPlugin | undefined, b: WasmPlugin): boolean {
  return a !== undefined && jsonEqual(a.spec, b.spec);
}
