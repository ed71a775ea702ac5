import type { AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import type { WasmPlugin } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { isAlreadyExists, isConflict, reasonOf } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import type { OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import type { AgentRender } from '../reconcilers/agentproduct.js';
import { sameSpec, sharedPluginMerger, unusedPlugin, type SharedPluginEdit } from '../reconcilers/agentproduct-gateway.js';
import { errorMessage } from '../util/errors.js';

/**
 * What an AgentProduct writes on its gateway: the objects it owns whole (applied, stale ones pruned) and its
 * rules and consumers in the console's shared WasmPlugins (read-merge-write, agentproduct-gateway.ts); and
 * taking all of that off a gateway it leaves.
 */
export interface AgentGatewayDeps {
  client: KubeClient;
  /** Our Ingresses and AI-route ConfigMaps in gateway namespaces (managed-by label). */
  ingresses: Informer<KubeObject>;
  configMaps: Informer<KubeObject>;
  wasmPlugins: Informer<WasmPlugin & KubeObject>;
}

export class AgentGatewayWriter {
  constructor(private readonly deps: AgentGatewayDeps) {}

  /** Apply owned objects, prune stale ones, merge shared rules; the first failure becomes the Applied reason. */
  async apply(render: AgentRender, owner: OwnerRef, previous: AgentProductStatus | undefined): Promise<{ reason: string; message: string } | undefined> {
    const { client } = this.deps;
    const gw = render.gatewayNamespace;
    let error: { reason: string; message: string } | undefined;
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        // A stale cache (someone wrote or created the shared plugin after we read it): the watch event brings us back.
        if (isConflict(err) || isAlreadyExists(err)) throw err;
        error ??= { reason: `${what}${reasonOf(err)}`, message: `${what}: ${errorMessage(err)}` };
      }
    };
    const kinds: [ResourceType, KubeObject[], Informer<KubeObject> | undefined][] = [
      [Resources.Ingress, render.ingresses, this.deps.ingresses],
      [Resources.ConfigMap, render.configMaps, this.deps.configMaps],
      [Resources.WasmPlugin, render.owned, undefined],
    ];
    for (const [rt, objs, cache] of kinds) {
      for (const o of objs) {
        const observed = cache?.store.get(makeKey(o.metadata.namespace, o.metadata.name ?? ''));
        await attempt(rt.kind, () => applyIfChanged(client, rt, o, cache ? { observed, trustObservedAbsence: true } : {}));
      }
      await attempt(rt.kind, () => pruneOwned(client, rt, gw, owner, new Set(objs.map((o) => o.metadata.name ?? ''))));
    }
    // A console plugin we have nothing for is not created (an open product needs no ai-agent instance).
    for (const edit of render.shared) await attempt('WasmPlugin', () => this.mergeShared(gw, edit, edit.rules.length > 0 || edit.consumers !== undefined));
    const left = new Set((previous?.generatedObjects ?? []).map((o) => o.namespace).filter((n) => n !== gw));
    for (const ns of left) await attempt('Gateway', () => this.leaveGateway(ns, previous, owner));
    return error;
  }

  /** Read-merge-write of one console WasmPlugin; only our routes' rules and our consumers change. */
  private async mergeShared(gw: string, edit: SharedPluginEdit, create: boolean, leaving = false): Promise<void> {
    const { client } = this.deps;
    const existing =
      this.deps.wasmPlugins.store.get(makeKey(gw, edit.name)) ?? (await client.get<WasmPlugin & KubeObject>(Resources.WasmPlugin, edit.name, gw));
    if (!existing && !create) return;
    const merged = sharedPluginMerger.merge(existing, edit);
    // Only when leaving a gateway (deletion, or spec.gateway moved): a live product whose edit is empty for now
    // (its agent not routed yet) comes back to the plugin on its next pass.
    if (existing && leaving && unusedPlugin(merged)) {
      // Only at the version we read: a console write in between wins and the next pass looks again.
      const resourceVersion = existing.metadata.resourceVersion;
      await client.delete(Resources.WasmPlugin, edit.name, gw, resourceVersion ? { preconditions: { resourceVersion } } : {});
      return;
    }
    if (sameSpec(existing, merged)) return;
    if (existing) await client.update(Resources.WasmPlugin, merged);
    else await client.create(Resources.WasmPlugin, merged);
  }

  /** Take everything this product put on gateway `gw` off it (deletion, or spec.gateway.namespace moved). */
  async leaveGateway(gw: string, status: AgentProductStatus | undefined, owner: OwnerRef): Promise<void> {
    const routes = previousRoutes(status);
    const names = new Set((status?.generatedObjects ?? []).filter((o) => o.kind === 'WasmPlugin' && o.namespace === gw).map((o) => o.name));
    for (const plugin of names) {
      const existing = this.deps.wasmPlugins.store.get(makeKey(gw, plugin));
      if (!existing) continue;
      const keyAuth = plugin === 'key-auth.internal' ? { consumers: [], ownedConsumers: status?.consumers ?? [] } : {};
      await this.mergeShared(gw, { name: plugin, rules: [], ownedRoutes: routes, template: existing, ...keyAuth }, false, true);
    }
    for (const rt of [Resources.Ingress, Resources.ConfigMap, Resources.WasmPlugin]) await pruneOwned(this.deps.client, rt, gw, owner, new Set());
  }
}

/** The route (Ingress) names a previous status recorded: their rules in shared plugins are ours. */
export function previousRoutes(status: AgentProductStatus | undefined): string[] {
  return (status?.generatedObjects ?? []).filter((o) => o.kind === 'Ingress').map((o) => o.name);
}
