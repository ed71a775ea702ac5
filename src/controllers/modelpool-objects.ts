import { errorMessage } from '../util/errors.js';
import { parseAiRoute } from '../higress/console/ai-route.js';
import { applyIfChanged } from '../kube/apply.js';
import { FIELD_MANAGER, type KubeClient } from '../kube/client.js';
import { isConflict, reasonOf } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { keyOf, makeKey, type KubeObject } from '../kube/object.js';
import { OWNER_ANNOTATION, ownerId, ownerOf, parseOwnerId, type OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import type { PoolRender, RouteRender } from '../reconcilers/modelpool.js';
import type { ObjectError } from '../reconcilers/modelpool-status.js';
import { byCodeUnit } from '../util/order.js';

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
/** The same by owner id alone: where a pool gone from the cache has objects left (ModelPoolController.releaseGone). */
const ROUTE_OWNER_ID_INDEX = 'modelpool.route-owner-id';

const holderOf = (o: KubeObject, route?: OwnerRef) => {
  const owner = ownerOf(o) ?? route;
  return owner ? ownerId(owner) : 'an object we do not own';
};

/** How long a route object we wrote stands in for the cache's copy while the watch has not delivered it. */
const UNSEEN_TTL_MS = 30_000;

/**
 * Route objects our applies returned that the caches have not shown yet (OwnWrites, by contrast, holds newer versions
 * of objects a cache does hold: it needs the cached copy to compare with). A reconcile that runs before the watch
 * delivers them reads these instead of finding nothing and applying again, and a prune deletes them too. An entry
 * goes when its cache shows any event for the name (from then on the cache is read: a delete right after our
 * create must count as a delete), or after {@link UNSEEN_TTL_MS} (a relist that never showed it).
 */
class UnseenWrites {
  private readonly objects = new Map<string, { rt: ResourceType; object: KubeObject; at: number }>();
  private sweptAt = Date.now();

  constructor(private readonly cached: (rt: ResourceType, key: string) => boolean) {}

  record(rt: ResourceType, object: KubeObject): void {
    if (this.cached(rt, keyOf(object))) return; // shown already (the watch won the race)
    const now = Date.now();
    if (now - this.sweptAt > SWEEP_MS) {
      this.sweptAt = now;
      for (const [k, e] of this.objects) if (this.stale(e)) this.objects.delete(k);
    }
    this.objects.set(`${rt.plural}|${keyOf(object)}`, { rt, object, at: now });
  }

  get(rt: ResourceType, ns: string, name: string): KubeObject | undefined {
    const key = `${rt.plural}|${makeKey(ns, name)}`;
    const entry = this.objects.get(key);
    if (!entry || !this.stale(entry)) return entry?.object;
    this.objects.delete(key);
    return undefined;
  }

  /** Unseen objects of `rt` in `ns`. */
  in(rt: ResourceType, ns: string): KubeObject[] {
    return [...this.objects.values()].filter((e) => e.rt === rt && e.object.metadata.namespace === ns && !this.stale(e)).map((e) => e.object);
  }

  /** Every unseen object. */
  all(): KubeObject[] {
    return [...this.objects.values()].filter((e) => !this.stale(e)).map((e) => e.object);
  }

  forget(rt: ResourceType, object: KubeObject): void {
    this.objects.delete(`${rt.plural}|${keyOf(object)}`);
  }

  private stale(e: { rt: ResourceType; object: KubeObject; at: number }): boolean {
    return Date.now() - e.at > UNSEEN_TTL_MS || this.cached(e.rt, keyOf(e.object));
  }
}

const SWEEP_MS = 1_000;

/** Only our field manager has fields in `o`: our apply created it (it merged into nobody's object). */
const onlyOurs = (o: KubeObject) => (o.metadata.managedFields ?? []).every((f) => f.manager === FIELD_MANAGER);

/** A first apply met fields of another manager on an object our caches do not hold: read it, then decide. */
const READ_FIRST = Symbol('read first');

export class PoolObjects {
  /** The kinds a pool owns whole, with their caches. */
  private readonly kinds: readonly (readonly [ResourceType, Informer<KubeObject>])[];
  private readonly unseen = new UnseenWrites((rt, key) => this.cached(rt, key));
  /** `<plural>|<ns>/<name>` of unlabelled objects of someone else's found under our names (see {@link known}). */
  private readonly heldByOthers = new Set<string>();
  /**
   * uids of route objects this process deleted that the caches still show (until their delete event, or
   * UNSEEN_TTL_MS): each deletion's event brings the gone pool's key back, and without this its next prune read
   * the pool again and deleted what was already gone (10 pools deleted: 20 pool GETs and a second DELETE).
   */
  private readonly deleted = new Map<string, number>();

  private recordDeleted(uid: string): void {
    const now = Date.now();
    // A delete event that never came (a relist) leaves an entry: dropped once stale.
    for (const [u, at] of this.deleted) if (now - at > UNSEEN_TTL_MS) this.deleted.delete(u);
    this.deleted.set(uid, now);
  }

  private deletedAlready(o: KubeObject): boolean {
    const at = this.deleted.get(o.metadata.uid ?? '');
    if (at === undefined) return false;
    if (Date.now() - at <= UNSEEN_TTL_MS) return true;
    this.deleted.delete(o.metadata.uid ?? '');
    return false;
  }

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
    const byId = (owner: (o: KubeObject) => OwnerRef | undefined) => (o: KubeObject) => {
      const found = owner(o);
      return found ? [ownerId(found)] : [];
    };
    for (const [informer, owner] of [
      [informers.configMaps, aiRouteOwner],
      [informers.ingresses, ownerOf],
      [informers.envoyFilters, ownerOf],
    ] as const) {
      informer.store.addIndex(ROUTE_OWNER_INDEX, index(owner));
      informer.store.addIndex(ROUTE_OWNER_ID_INDEX, byId(owner));
    }
    this.kinds = [
      [Resources.ConfigMap, informers.configMaps],
      [Resources.Ingress, informers.ingresses],
      [Resources.EnvoyFilter, informers.envoyFilters],
    ];
    for (const [rt, informer] of this.kinds) {
      const seen = (o: KubeObject) => this.unseen.forget(rt, o);
      const gone = (o: KubeObject) => {
        seen(o);
        this.deleted.delete(o.metadata.uid ?? '');
      };
      informer.addEventHandler({ onAdd: seen, onUpdate: (_old, o) => seen(o), onDelete: gone });
    }
  }

  /**
   * Apply every route of `render`; errors and conflicts are returned, never thrown. `generatedBefore`: the
   * `Kind/name` of what the pool's last status listed as generated without an error.
   */
  async apply(render: PoolRender, generatedBefore: ReadonlySet<string> = new Set()): Promise<ApplyOutcome> {
    const out: ApplyOutcome = { errors: new Map(), conflicts: new Map() };
    const filters = await this.envoyFiltersServed();
    // Routes, and the objects of a route, are independent: each is read and applied on its own, so a pool's
    // first apply costs two round trips of latency, not two per object (bench:operator, requests per apply).
    await Promise.all(render.routes.map((route) => this.applyRoute(render, route, filters, out, generatedBefore)));
    // Completion order varies; status reads the first error and lists conflicts, and must not flip between passes.
    const sorted = <V>(m: Map<string, V>) => new Map([...m].sort(([a], [b]) => byCodeUnit(a, b)));
    return { errors: sorted(out.errors), conflicts: sorted(out.conflicts) };
  }

  private async applyRoute(render: PoolRender, route: RouteRender, filters: boolean, out: ApplyOutcome, generatedBefore: ReadonlySet<string>): Promise<void> {
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
    // Our caches hold labelled objects only, so an absent object may still exist unlabelled: rather than read
    // each one first (a round trip per object of every new pool), it is applied without taking over fields (force
    // off). That creates what is absent; an object of someone else's answers 409 with its fields, and only then is
    // it read and judged as a cached one would be. (A foreign object sharing all our values would be merged
    // into: our names carry the pool's namespace and a hash, so only a copy of our own object can do that.)
    const known = await Promise.all(items.map(([rt, informer, desired]) => this.known(rt, informer, gw, desired.metadata.name ?? '')));
    const routeOwnerOf = (cm: KubeObject | undefined) =>
      cm ? (aiRouteOwner(cm) ?? (generatedBefore.has(`ConfigMap/${cmName}`) ? render.owner : undefined)) : undefined;
    const isOurs = (owner: OwnerRef | undefined) => owner !== undefined && ownerId(owner) === id;
    const cmKnown = known[0];
    const conflict = (rt: ResourceType, o: KubeObject, owner: OwnerRef | undefined) => {
      out.conflicts.set(`${rt.kind}/${o.metadata.name ?? ''}`, holderOf(o, owner));
      if (!this.cached(rt, keyOf(o))) this.heldByOthers.add(`${rt.plural}|${keyOf(o)}`);
    };
    if (cmKnown && !isOurs(routeOwnerOf(cmKnown))) {
      conflict(Resources.ConfigMap, cmKnown, routeOwnerOf(cmKnown));
      return; // the whole route is someone else's
    }
    /** What this pass created from nothing, by `Kind/name`. */
    const created = new Map<string, [ResourceType, KubeObject]>();
    const applyOne = async (
      [rt, , desired]: [ResourceType, Informer<KubeObject>, KubeObject],
      observed: KubeObject | undefined,
      cm: KubeObject | undefined,
    ): Promise<typeof READ_FIRST | undefined> => {
      const name = desired.metadata.name ?? '';
      const owner = observed ? (ownerOf(observed) ?? routeOwnerOf(cm)) : undefined;
      if (observed && !isOurs(owner)) {
        conflict(rt, observed, owner);
        return undefined;
      }
      try {
        const result = await applyIfChanged(this.client, rt, desired, { observed, trustObservedAbsence: true, force: observed !== undefined });
        if (result.written && result.object) {
          this.unseen.record(rt, result.object);
          if (!observed && onlyOurs(result.object)) created.set(`${rt.kind}/${name}`, [rt, result.object]);
        }
      } catch (err) {
        if (!observed && isConflict(err)) return READ_FIRST;
        out.errors.set(`${rt.kind}/${name}`, { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${gw}/${name}: ${errorMessage(err)}` });
      }
      return undefined;
    };
    const first = await Promise.all(items.map((item, i) => applyOne(item, known[i], cmKnown)));
    if (!first.includes(READ_FIRST)) return;
    const read = (i: number) => {
      const [rt, , desired] = items[i]!;
      return this.client.get<KubeObject>(rt, desired.metadata.name ?? '', gw);
    };
    // The route's owner decides for its other objects: its ConfigMap as it was before this pass (an unlabelled
    // Ingress beside a route we are only now creating is not ours), or as read after a 409.
    const cm = first[0] === READ_FIRST ? await read(0) : cmKnown;
    if (first[0] === READ_FIRST && cm && !isOurs(routeOwnerOf(cm))) {
      conflict(Resources.ConfigMap, cm, routeOwnerOf(cm));
      // The route is someone else's: take back what this pass created beside its ConfigMap.
      for (const [key, [rt, o]] of created) {
        try {
          await this.client.delete(rt, o.metadata.name ?? '', gw, { preconditions: { uid: o.metadata.uid ?? '' } });
          this.unseen.forget(rt, o);
        } catch (err) {
          out.errors.set(key, { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${gw}/${o.metadata.name ?? ''}: ${errorMessage(err)}` });
        }
      }
      return;
    }
    const second = await Promise.all(items.map(async (item, i) => (first[i] === READ_FIRST ? applyOne(item, i === 0 ? cm : await read(i), cm) : undefined)));
    // Gone between the 409 and the read, then held again: the next reconcile tries once more.
    second.forEach((r, i) => {
      if (r !== READ_FIRST) return;
      const [rt, , desired] = items[i]!;
      out.errors.set(`${rt.kind}/${desired.metadata.name ?? ''}`, {
        reason: `${rt.kind}Conflict`,
        message: `${rt.kind} ${gw}/${desired.metadata.name ?? ''}: changed by another writer while being created`,
      });
    });
  }

  /**
   * The cached object, else the one our last apply returned while the cache has not shown it, else — for a name
   * an unlabelled object of someone else's held when last looked at — what the API server has now (without that
   * read, every reconcile would apply blind into the same 409).
   */
  private async known(rt: ResourceType, informer: Informer<KubeObject>, ns: string, name: string): Promise<KubeObject | undefined> {
    const key = makeKey(ns, name);
    const mine = informer.store.get(key) ?? this.unseen.get(rt, ns, name);
    if (mine || !this.heldByOthers.has(`${rt.plural}|${key}`)) return mine;
    const current = await this.client.get<KubeObject>(rt, name, ns);
    if (!current) this.heldByOthers.delete(`${rt.plural}|${key}`);
    return current;
  }

  private cached(rt: ResourceType, key: string): boolean {
    return this.kinds.some(([k, informer]) => k === rt && informer.store.get(key) !== undefined);
  }

  /**
   * Gateway namespaces where the caches, or (`unseen`, default true) writes they have not shown yet, hold route
   * objects of `owner`. Without `unseen` it is an index lookup: cheap enough for every reconcile.
   */
  gatewaysHolding(owner: OwnerRef, { unseen = true }: { unseen?: boolean } = {}): string[] {
    const id = ownerId(owner);
    const found = new Set<string>();
    for (const [, informer] of this.kinds) {
      for (const o of informer.store.byIndex(ROUTE_OWNER_ID_INDEX, id)) if (!this.deletedAlready(o)) found.add(o.metadata.namespace ?? '');
    }
    for (const o of unseen ? this.unseen.all() : []) {
      const held = ownerOf(o) ?? aiRouteOwner(o);
      if (held && ownerId(held) === id) found.add(o.metadata.namespace ?? '');
    }
    return [...found].sort(byCodeUnit);
  }

  /**
   * Delete what `owner` has in `gw` beyond `keep` (every route on deletion): objects labelled as ours, and
   * the derived objects of our routes the console rewrote without our labels. True when something is left.
   */
  async prune(owner: OwnerRef, gw: string, keep: PoolRender | undefined): Promise<boolean> {
    const id = ownerId(owner);
    const keepNames = new Set(keep ? [...keep.configMaps, ...keep.ingresses, ...keep.envoyFilters].map((o) => `${o.kind}/${o.metadata.name}`) : []);
    const filters = await this.envoyFiltersServed();
    // ConfigMaps last: they name the route objects the console rewrote without our mark, which an interrupted
    // prune must still find when it runs again.
    const sets = this.kinds.filter(([rt]) => (filters || rt !== Resources.EnvoyFilter) && rt !== Resources.ConfigMap);
    sets.push(...this.kinds.filter(([rt]) => rt === Resources.ConfigMap));
    const ownedIn = (informer: Informer<KubeObject>) => informer.store.byIndex(ROUTE_OWNER_INDEX, ownerIndexValue(gw, id));
    const routeObjects = new Set(ownedIn(this.informers.configMaps).flatMap((cm) => derivedNames(cm.metadata.name ?? '')));
    let left = false;
    for (const [rt, informer] of sets) {
      // Ours by their own mark, and (not ConfigMaps) the objects of our routes the console rewrote without it.
      const candidates = new Map(ownedIn(informer).map((o) => [o.metadata.name ?? '', o]));
      // Written by us, not in the cache yet: ours to delete as well (the ownership check below still applies).
      for (const o of this.unseen.in(rt, gw)) if (!candidates.has(o.metadata.name ?? '')) candidates.set(o.metadata.name ?? '', o);
      if (rt !== Resources.ConfigMap) {
        for (const name of routeObjects) {
          const o = informer.store.get(makeKey(gw, name));
          if (o) candidates.set(name, o);
        }
      }
      for (const [name, o] of [...candidates].sort(([a], [b]) => byCodeUnit(a, b))) {
        if (keepNames.has(`${rt.kind}/${name}`)) continue; // an EnvoyFilter shares its route Ingress's name
        const owned = rt === Resources.ConfigMap ? aiRouteOwner(o) : (ownerOf(o) ?? (routeObjects.has(name) ? owner : undefined));
        if (!owned || ownerId(owned) !== id || this.deletedAlready(o)) continue;
        left = true;
        await this.client.delete(rt, name, gw, o.metadata.uid ? { preconditions: { uid: o.metadata.uid } } : {});
        if (o.metadata.uid) this.recordDeleted(o.metadata.uid);
        this.unseen.forget(rt, o);
      }
    }
    return left;
  }
}

/** Objects the console derives from AI route ConfigMap `ai-route-<n>`. */
export function derivedNames(configMapName: string): string[] {
  return [`${configMapName}.internal`, `${configMapName}.fallback.internal`];
}
