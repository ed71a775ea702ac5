import type { Logger } from 'pino';
import type { RouteAuthConfig } from '../higress/console/ai-route.js';
import { parseAiRoute } from '../higress/console/ai-route.js';
import { CONSOLE_PLUGINS, syncSharedPlugin, type ConsolePluginName, type PluginShare } from '../higress/console/shared-plugins.js';
import type { PluginImageOptions } from '../higress/plugins.js';
import { applyIfChanged } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { reasonOf } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { removeRegistries, syncRegistries } from '../kube/mcpbridge.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { ownerId, ownerOf, type OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import { consoleName } from '../reconcilers/semanticrouter-gateway.js';
import type { RouterRender } from '../reconcilers/semanticrouter.js';
import { errorMessage } from '../util/errors.js';
import { aiRouteOwner, derivedNames, type ConfigMapObject } from './modelpool-objects.js';
import type { IngressObject } from './ragpipeline.js';
import { Deployments, PersistentVolumeClaims, type WorkloadObject } from './ragpipeline.js';
import { WorkloadDeployments } from './workload-deployment.js';
import { syncRouterProvider, type ProviderSync } from './semanticrouter-provider.js';

/**
 * Applying what a SemanticRouter renders and deleting what it no longer does, including its console AI routes.
 *
 * A route's ConfigMap is read from the console's route cache (label `higress.io/config-map-type: ai-route`),
 * not from the owner-labelled one: when HiMarket approves a subscription the console replaces the ConfigMap
 * with its own two labels and the new `authConfig` (higress.md §11, himarket.md §12), so it leaves the
 * owner-labelled cache. Such an unmarked route that the router's last status listed as generated is ours,
 * rewritten by the console (as for ModelPool, modelpool-objects.ts); its `authConfig` is carried into the
 * render and our labels are applied back.
 */

export interface RouterObjectsDeps {
  client: KubeClient;
  /** Owner-labelled ConfigMaps (the router config). */
  configMaps: Informer<WorkloadObject>;
  /** Console AI route ConfigMaps in the gateway namespaces, whoever owns them. */
  routeMaps: Informer<ConfigMapObject>;
  deployments: Informer<WorkloadObject>;
  services: Informer<WorkloadObject>;
  pvcs: Informer<WorkloadObject>;
  ingresses: Informer<IngressObject>;
  pluginImage?: PluginImageOptions | undefined;
  log: Logger;
}

export interface ApplyResult {
  error?: { reason: string; message: string };
  provider: ProviderSync;
}

/** Gateway namespaces a router's last status lists console objects in (McpBridge and WasmPlugins live only there). */
export function gatewaysListed(status: { generatedObjects?: { kind: string; namespace?: string | undefined }[] } | undefined): Set<string> {
  return new Set(
    (status?.generatedObjects ?? []).filter((o) => (o.kind === 'McpBridge' || o.kind === 'WasmPlugin') && o.namespace).map((o) => o.namespace ?? ''),
  );
}

/** `Kind/namespace/name` of what a router's last status listed as generated. */
export function generatedBefore(status: { generatedObjects?: { kind: string; namespace?: string | undefined; name: string }[] } | undefined): Set<string> {
  return new Set((status?.generatedObjects ?? []).map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`));
}

export class RouterObjects {
  private readonly deployments: WorkloadDeployments;

  constructor(private readonly deps: RouterObjectsDeps) {
    this.deployments = new WorkloadDeployments(deps.client);
  }

  /** Who holds route ConfigMap `cm`: its owner mark, else `owner` when our last status listed it. */
  private routeOwner(cm: ConfigMapObject, owner: OwnerRef, before: ReadonlySet<string>): OwnerRef | undefined {
    return aiRouteOwner(cm) ?? (before.has(`ConfigMap/${cm.metadata.namespace ?? ''}/${cm.metadata.name}`) ? owner : undefined);
  }

  private isOurs(cm: ConfigMapObject, owner: OwnerRef, before: ReadonlySet<string>): boolean {
    const holder = this.routeOwner(cm, owner, before);
    return holder !== undefined && ownerId(holder) === ownerId(owner);
  }

  /** The stored `authConfig` of each of our routes (route name → auth), for the render to carry over. */
  routeAuth(owner: OwnerRef, gw: string, routeNames: readonly string[], before: ReadonlySet<string>): Map<string, RouteAuthConfig> {
    const out = new Map<string, RouteAuthConfig>();
    for (const name of routeNames) {
      const cm = this.deps.routeMaps.store.get(makeKey(gw, `ai-route-${name}`));
      const auth = cm && this.isOurs(cm, owner, before) ? parseAiRoute(cm)?.authConfig : undefined;
      if (auth) out.set(name, auth);
    }
    return out;
  }

  /** Apply every rendered object; the first failure becomes the Ready reason (the others are still tried). */
  async apply(render: RouterRender, owner: OwnerRef, before: ReadonlySet<string>): Promise<ApplyResult> {
    const { client } = this.deps;
    const cached = (i: Informer<WorkloadObject> | Informer<IngressObject> | Informer<ConfigMapObject>) => i as unknown as Informer<KubeObject>;
    const items: [ResourceType, KubeObject, Informer<KubeObject>][] = [
      [Resources.ConfigMap, render.configMap, cached(this.deps.configMaps)],
      [PersistentVolumeClaims, render.pvc, cached(this.deps.pvcs)],
      [Deployments, render.deployment, cached(this.deps.deployments)],
      [Resources.Service, render.service, cached(this.deps.services)],
      ...render.gateway.routes.flatMap((r): [ResourceType, KubeObject, Informer<KubeObject>][] => [
        [Resources.ConfigMap, r.configMap, cached(this.deps.routeMaps)],
        [Resources.Ingress, r.ingress as unknown as KubeObject, cached(this.deps.ingresses)],
      ]),
    ];
    let error: { reason: string; message: string } | undefined;
    const fail = (kind: string, where: string, err: unknown) =>
      (error ??= { reason: `${kind}${reasonOf(err)}`, message: `${kind} ${where}: ${errorMessage(err)}` });
    for (const [rt, desired, informer] of items) {
      const where = `${desired.metadata.namespace}/${desired.metadata.name}`;
      const observed = informer.store.get(makeKey(desired.metadata.namespace ?? '', desired.metadata.name ?? ''));
      if (informer === cached(this.deps.routeMaps) && observed && !this.isOurs(observed, owner, before)) {
        const holder = this.routeOwner(observed, owner, before);
        error ??= { reason: 'NameConflict', message: `ConfigMap ${where} is held by ${holder ? ownerId(holder) : 'an object we do not own'}` };
        continue;
      }
      try {
        if (rt === Deployments) error ??= await this.deployments.apply(desired, observed, 'spec.cache.encoder.image');
        else await applyIfChanged(client, rt, desired, { observed, trustObservedAbsence: true });
      } catch (err) {
        fail(rt.kind, where, err);
      }
    }
    try {
      await syncRegistries(client, { namespace: render.gatewayNamespace, owner, registries: [{ ...render.gateway.registry }] });
    } catch (err) {
      fail('McpBridge', `${render.gatewayNamespace}/default`, err);
    }
    // A removed virtual model (or a moved gateway) leaves console routes behind.
    const keep = new Set(
      render.gateway.routes.flatMap((r) => [
        `${render.gatewayNamespace}/${r.configMap.metadata.name}`,
        `${render.gatewayNamespace}/${r.ingress.metadata.name}`,
      ]),
    );
    await this.prune(owner, before, (o) => !keep.has(`${o.metadata.namespace}/${o.metadata.name}`));
    const g = render.gateway;
    for (const [plugin, share] of Object.entries(g.shares) as [ConsolePluginName, PluginShare][]) {
      try {
        const { conflicts } = await this.sharePlugin(render.gatewayNamespace, plugin, new Map([[ownerId(owner), share]]));
        const conflict = conflicts.get(ownerId(owner));
        if (conflict) error ??= { reason: 'NameConflict', message: conflict };
      } catch (err) {
        fail('WasmPlugin', `${render.gatewayNamespace}/${plugin}`, err);
      }
    }
    const provider = await syncRouterProvider(client, {
      namespace: render.gatewayNamespace,
      owner: ownerId(owner),
      providerId: g.providerId,
      entry: { provider: g.provider, rule: g.providerRule },
    }).catch((err: unknown): ProviderSync => ({ result: 'conflict', message: errorMessage(err) }));
    return { ...(error ? { error } : {}), provider };
  }

  /** Our share of one console plugin; `release` drops what we hold there (finalizer). */
  private sharePlugin(namespace: string, plugin: ConsolePluginName, desired: ReadonlyMap<string, PluginShare>, release?: (owner: string) => boolean) {
    return syncSharedPlugin(this.deps.client, {
      namespace,
      plugin: CONSOLE_PLUGINS[plugin],
      desired,
      ...(release ? { release } : {}),
      image: this.deps.pluginImage,
    });
  }

  /**
   * Delete our stale gateway objects: labelled Ingresses, and route ConfigMaps we hold (labelled, or rewritten
   * by the console and listed in our last status) with the Ingress the console derived from them.
   */
  private async prune(owner: OwnerRef, before: ReadonlySet<string>, stale: (o: KubeObject) => boolean): Promise<void> {
    const { client } = this.deps;
    const id = ownerId(owner);
    const labelled = (o: KubeObject) => {
      const ref = ownerOf(o);
      return ref !== undefined && ownerId(ref) === id && stale(o);
    };
    for (const i of this.deps.ingresses.store.list().filter(labelled)) {
      await client.delete(
        Resources.Ingress,
        i.metadata.name ?? '',
        i.metadata.namespace ?? '',
        i.metadata.uid ? { preconditions: { uid: i.metadata.uid } } : {},
      );
    }
    for (const cm of this.deps.routeMaps.store.list().filter((c) => this.isOurs(c, owner, before) && stale(c))) {
      const ns = cm.metadata.namespace ?? '';
      await client.delete(Resources.ConfigMap, cm.metadata.name ?? '', ns, cm.metadata.uid ? { preconditions: { uid: cm.metadata.uid } } : {});
      const [ingress] = derivedNames(cm.metadata.name ?? '');
      if (ingress && !ownerOf(cm)) await client.delete(Resources.Ingress, ingress, ns);
    }
  }

  /**
   * Everything the router holds in gateway namespace `gw` goes (finalizer; or a move, then its routes in `keep`, the
   * gateway it moved to, stay).
   */
  async release(owner: OwnerRef, gw: string, before: ReadonlySet<string>, keep?: string): Promise<void> {
    const { client, log } = this.deps;
    // Workload objects carry ownerReferences (garbage collection); gateway objects live in another namespace.
    await this.prune(owner, before, (o) => keep === undefined || o.metadata.namespace !== keep);
    await removeRegistries(client, { namespace: gw, owner }).catch((err: unknown) =>
      log.warn({ router: ownerId(owner), err: errorMessage(err) }, 'McpBridge registry not removed'),
    );
    const id = ownerId(owner);
    // Seed rules (statistics, key-auth) of our routes go with the routes; model-router's global header stays (pools share it).
    for (const plugin of ['ai-statistics-2.0.1', 'key-auth.internal'] as const) {
      try {
        if (await client.get(Resources.WasmPlugin, plugin, gw)) await this.sharePlugin(gw, plugin, new Map(), (o) => o === id);
      } catch (err) {
        log.warn({ router: id, plugin, err: errorMessage(err) }, 'console plugin rules not removed');
      }
    }
    await syncRouterProvider(client, { namespace: gw, owner: id, providerId: consoleName(owner) }).catch(() => undefined);
  }
}
