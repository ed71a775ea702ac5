import { errorMessage } from '../util/errors.js';
import { parseAiRoute } from '../higress/console/ai-route.js';
import { applyIfChanged } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { reasonOf } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { OWNER_ANNOTATION, ownerId, ownerOf, parseOwnerId, type OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import type { PoolRender, RouteRender } from '../reconcilers/modelpool.js';
import type { ObjectError } from '../reconcilers/modelpool-status.js';

/**
 * Applying the objects a pool owns whole — each console AI route's ConfigMap, Ingresses and fallback
 * EnvoyFilter — and deleting the ones it no longer renders. A name held by an object that is not ours is
 * never overwritten: it is reported as a conflict (condition NameConflict).
 *
 * Ownership of a route's objects follows its ConfigMap: the console rewrites the ConfigMap without our
 * labels when it updates the route, keeping the AiRoute JSON's `customConfigs` (our owner annotation) when
 * the update comes from its own UI. HiMarket granting a subscription sends its `HigressAIRoute` DTO, which
 * has no `customConfigs` (himarket `HigressOperator.java`), so after an approval the route carries no owner
 * mark at all: a route ConfigMap without any owner that this pool's last status listed as generated without
 * an error is ours, rewritten by the console. A route's Ingress/EnvoyFilter without an owner of its own
 * belongs to whoever owns the route.
 */

export interface OwnedInformers {
  configMaps: Informer<ConfigMapObject>;
  ingresses: Informer<KubeObject>;
  envoyFilters: Informer<KubeObject>;
}
/** A ConfigMap as cached; `data` may be absent (a labelled ConfigMap without data is still listed). */
export type ConfigMapObject = KubeObject & { data?: Record<string, string> };

export interface ApplyOutcome {
  errors: Map<string, ObjectError>;
  conflicts: Map<string, string>;
}

/** Per cached ConfigMap version (cache objects are immutable): the owner costs a JSON parse of the route. */
const routeOwners = new WeakMap<object, OwnerRef | null>();

/** Owner of an AI route ConfigMap: its labels, else the owner annotation the console kept in the JSON. */
export function aiRouteOwner(cm: KubeObject & { data?: Record<string, string> }): OwnerRef | undefined {
  const memo = routeOwners.get(cm);
  if (memo !== undefined) return memo ?? undefined;
  const fromMeta = ownerOf(cm);
  const ann = fromMeta ? undefined : parseAiRoute(cm)?.customConfigs?.[OWNER_ANNOTATION];
  const owner = fromMeta ?? (ann ? parseOwnerId(ann) : undefined);
  routeOwners.set(cm, owner ?? null);
  return owner;
}

/**
 * Store index of route objects by `<namespace>/<owner id>` (a ConfigMap's route owner, an Ingress's or
 * EnvoyFilter's own owner mark): a pool's prune reads its own objects instead of scanning the whole gateway
 * namespace (bench:operator, 200 pools: the scan was a third of the operator's CPU).
 */
export const ROUTE_OWNER_INDEX = 'modelpool.route-owner';
const ownerIndexValue = (namespace: string, id: string) => `${namespace}/${id}`;

const holderOf = (o: KubeObject, route?: OwnerRef) => {
  const owner = ownerOf(o) ?? route;
  return owner ? ownerId(owner) : 'an object we do not own';
};

export class PoolObjects {
  constructor(
    private readonly client: KubeClient,
    private readonly informers: OwnedInformers,
    /** Only EnvoyFilters need Istio's CRD; without it they are neither applied nor pruned. */
    private readonly envoyFiltersServed: () => Promise<boolean>,
  ) {
    const index = (owner: (o: KubeObject) => OwnerRef | undefined) => (o: KubeObject) => {
      const found = owner(o);
      return found ? [ownerIndexValue(o.metadata.namespace ?? '', ownerId(found))] : [];
    };
    informers.configMaps.store.addIndex(ROUTE_OWNER_INDEX, index(aiRouteOwner));
    informers.ingresses.store.addIndex(ROUTE_OWNER_INDEX, index(ownerOf));
    informers.envoyFilters.store.addIndex(ROUTE_OWNER_INDEX, index(ownerOf));
  }

  /**
   * Apply every route of `render`; errors and conflicts are returned, never thrown. `generatedBefore`: the
   * `Kind/name` of what the pool's last status listed as generated without an error. Nothing is written before
   * `writable` resolves (the pool's finalizer); when it rejects, nothing is written at all.
   */
  async apply(render: PoolRender, generatedBefore: ReadonlySet<string> = new Set(), writable: Promise<unknown> = Promise.resolve()): Promise<ApplyOutcome> {
    const out: ApplyOutcome = { errors: new Map(), conflicts: new Map() };
    const filters = await this.envoyFiltersServed();
    // Routes, and the objects of a route, are independent: each is read and applied on its own, so a pool's
    // first apply costs two round trips of latency, not two per object (bench:operator, requests per apply).
    await Promise.all(render.routes.map((route) => this.applyRoute(render, route, filters, out, generatedBefore, writable)));
    // Completion order varies; status reads the first error and lists conflicts, and must not flip between passes.
    const sorted = <V>(m: Map<string, V>) => new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
    return { errors: sorted(out.errors), conflicts: sorted(out.conflicts) };
  }

  private async applyRoute(
    render: PoolRender,
    route: RouteRender,
    filters: boolean,
    out: ApplyOutcome,
    generatedBefore: ReadonlySet<string>,
    writable: Promise<unknown>,
  ): Promise<void> {
    const gw = render.gatewayNamespace;
    const id = render.ownerId;
    const cmName = route.configMap.metadata.name;
    const items: [ResourceType, Informer<KubeObject>, KubeObject][] = [
      [Resources.ConfigMap, this.informers.configMaps, route.configMap],
      ...route.ingresses.map(
        (i) => [Resources.Ingress, this.informers.ingresses, i as unknown as KubeObject] as [ResourceType, Informer<KubeObject>, KubeObject],
      ),
      ...(filters
        ? route.envoyFilters.map(
            (f) => [Resources.EnvoyFilter, this.informers.envoyFilters, f as unknown as KubeObject] as [ResourceType, Informer<KubeObject>, KubeObject],
          )
        : []),
    ];
    // Read together, not the route's ConfigMap first: a new pool's objects are all absent from our caches (they
    // hold labelled objects only), and each read is a round trip.
    const reads = items.map(([rt, informer, desired]) => this.observed(rt, informer, gw, desired.metadata.name ?? ''));
    const observedAll = await Promise.all(reads);
    const cmObserved = observedAll[0];
    const marked = cmObserved ? aiRouteOwner(cmObserved) : undefined;
    const routeOwner = marked ?? (cmObserved && generatedBefore.has(`ConfigMap/${cmName}`) ? render.owner : undefined);
    if (cmObserved && (!routeOwner || ownerId(routeOwner) !== id)) {
      out.conflicts.set(`ConfigMap/${route.configMap.metadata.name}`, holderOf(cmObserved, routeOwner));
      return; // the whole route is someone else's
    }
    const applyOne = async ([rt, , desired]: [ResourceType, Informer<KubeObject>, KubeObject], i: number): Promise<void> => {
      const name = desired.metadata.name ?? '';
      const observed = observedAll[i];
      const owner = observed ? (ownerOf(observed) ?? (cmObserved ? routeOwner : undefined)) : undefined;
      if (observed && (!owner || ownerId(owner) !== id)) {
        out.conflicts.set(`${rt.kind}/${name}`, holderOf(observed, owner));
        return;
      }
      try {
        await writable;
        await applyIfChanged(this.client, rt, desired, { observed, trustObservedAbsence: true });
      } catch (err) {
        out.errors.set(`${rt.kind}/${name}`, { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${gw}/${name}: ${errorMessage(err)}` });
      }
    };
    await Promise.all(items.map(applyOne));
  }

  /** The cached object, or — because our caches only hold labelled objects — what the API server has. */
  private async observed(rt: ResourceType, informer: Informer<KubeObject>, ns: string, name: string): Promise<KubeObject | undefined> {
    return informer.store.get(makeKey(ns, name)) ?? (await this.client.get<KubeObject>(rt, name, ns));
  }

  /**
   * Delete what `owner` has in `gw` beyond `keep` (every route on deletion): objects labelled as ours, and
   * the derived objects of our routes the console rewrote without our labels. True when something is left.
   */
  async prune(owner: OwnerRef, gw: string, keep: PoolRender | undefined): Promise<boolean> {
    const id = ownerId(owner);
    const keepNames = new Set(keep ? [...keep.configMaps, ...keep.ingresses, ...keep.envoyFilters].map((o) => `${o.kind}/${o.metadata.name}`) : []);
    const filters = await this.envoyFiltersServed();
    const sets: [ResourceType, Informer<KubeObject>][] = [
      [Resources.ConfigMap, this.informers.configMaps],
      [Resources.Ingress, this.informers.ingresses],
      ...(filters ? [[Resources.EnvoyFilter, this.informers.envoyFilters] as [ResourceType, Informer<KubeObject>]] : []),
    ];
    const ownedIn = (informer: Informer<KubeObject>) => informer.store.byIndex(ROUTE_OWNER_INDEX, ownerIndexValue(gw, id));
    const routeObjects = new Set(ownedIn(this.informers.configMaps).flatMap((cm) => derivedNames(cm.metadata.name ?? '')));
    let left = false;
    for (const [rt, informer] of sets) {
      // Ours by their own mark, and (not ConfigMaps) the objects of our routes the console rewrote without it.
      const candidates = new Map(ownedIn(informer).map((o) => [o.metadata.name ?? '', o]));
      if (rt !== Resources.ConfigMap) {
        for (const name of routeObjects) {
          const o = informer.store.get(makeKey(gw, name));
          if (o) candidates.set(name, o);
        }
      }
      for (const [name, o] of [...candidates].sort(([a], [b]) => a.localeCompare(b))) {
        if (keepNames.has(`${rt.kind}/${name}`)) continue; // an EnvoyFilter shares its route Ingress's name
        const owned = rt === Resources.ConfigMap ? aiRouteOwner(o) : (ownerOf(o) ?? (routeObjects.has(name) ? owner : undefined));
        if (!owned || ownerId(owned) !== id) continue;
        left = true;
        await this.client.delete(rt, name, gw, o.metadata.uid ? { preconditions: { uid: o.metadata.uid } } : {});
      }
    }
    return left;
  }
}

/** Objects the console derives from AI route ConfigMap `ai-route-<n>`. */
export function derivedNames(configMapName: string): string[] {
  return [`${configMapName}.internal`, `${configMapName}.fallback.internal`];
}
