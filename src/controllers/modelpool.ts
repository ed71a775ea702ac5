import type { Logger } from 'pino';
import { modelPoolSpecSchema } from '../api/v1alpha1/modelpool.js';
import type { SharedWasmPlugin } from '../higress/console/shared-plugins.js';
import type { PluginImageOptions } from '../higress/plugins.js';
import type { KubeClient } from '../kube/client.js';
import { isReady, READY } from '../kube/conditions.js';
import { isConflict, isNotFound, reasonOf, WaitError } from '../kube/errors.js';
import { errorMessage } from '../util/errors.js';
import { hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import type { McpBridge } from '../kube/mcpbridge.js';
import { jsonEqual, makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { ownerId, type OwnerRef } from '../kube/owner.js';
import { gatewaysSharingClass, modelPoolStatus, type ObjectError } from '../reconcilers/modelpool-status.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { syncGateway, type GatewayMemo } from './modelpool-gateway.js';
import { counter } from '../kube/metrics.js';
import { OwnWrites } from '../kube/own-writes.js';
import { mark, now, round, TIMELINE, tracing } from '../kube/timeline.js';
import { derivedNames, PoolObjects, type ApplyOutcome, type ConfigMapObject } from './modelpool-objects.js';
import {
  ENVOYFILTER_CRD,
  HIGRESS_CRDS,
  gatewayNamespaceOf,
  indexPools,
  isReadyNow,
  POOL_GATEWAY_INDEX,
  POOL_WAITING_INDEX,
  PoolObserver,
  secretNamesOf,
  type ModelPoolObject,
  type ObserverDeps,
  type SecretCache,
} from './modelpool-observe.js';
import { classUsers, emitEvents, fieldPath, pickStatus, writePoolStatus, type EventSink } from './modelpool-report.js';
import { modelPoolResource } from './resources.js';
import { ReconcileMemo, snapshotOf, type Snapshot } from './modelpool-memo.js';

export { fieldPath, type EventSink } from './modelpool-report.js';
export { decodeSecret, gatewayNamespaceOf, type ModelPoolObject, type SecretCache, type SecretObject } from './modelpool-observe.js';

/**
 * The ModelPool controller: watch, call the pure functions, apply, write status.
 *
 * Two kinds of work item share one queue:
 * - `<ns>/<name>` (a pool) converges what the pool owns whole — its console AI routes (ConfigMap, Ingresses,
 *   fallback EnvoyFilter) — and its status (`reconcilers/modelpool-status.ts`); a pool gone from the cache has its
 *   routes deleted (releaseGone: no finalizer holds it, ADR 0008);
 * - `gateway:<ns>` converges what all pools of a gateway namespace share (`modelpool-gateway.ts`).
 * A pool is Ready only when the observed shared objects contain its contribution, so readiness is read from
 * the cluster, never assumed from a write having been sent.
 */

export const GATEWAY_PREFIX = 'gateway:';
const KIND = 'ModelPool';

export interface ModelPoolControllerDeps {
  client: KubeClient;
  pools: Informer<ModelPoolObject>;
  /** The Secrets pools reference: a ReferencedObjects cache (only those Secrets), or any informer-like cache. */
  secrets: SecretCache;
  ingresses: Informer<KubeObject>;
  wasmPlugins: Informer<SharedWasmPlugin>;
  mcpBridges: Informer<McpBridge>;
  envoyFilters: Informer<KubeObject>;
  /** ConfigMaps labelled `higress.io/config-map-type: ai-route` (console AI routes). */
  configMaps: Informer<ConfigMapObject>;
  /** Render `spec.fallback` as fallback routes + EnvoyFilter (default true); false = retries only. */
  fallbackRoutes?: boolean;
  event?: EventSink;
  /** `low`: after every key some change queued (see WorkQueue); only a due Pending status uses it. */
  enqueue(key: string, priority?: 'normal' | 'low'): void;
  log: Logger;
  /** How long a "Higress CRDs installed?" answer is trusted (when it comes from GETs, see `crds`). */
  crdCheckTtlMs?: number;
  /** The by-name watch of the Higress/Istio CRDs; once listed, CRD presence is read from it. */
  crds?: ObserverDeps['crds'];
  /** Image of a console plugin the operator has to create (hub/tag overrides). */
  pluginImage?: PluginImageOptions | undefined;
  /** The one gateway namespace the caches cover (src/kube/manager.ts gatewayNamespace); undefined = all. */
  servedGatewayNamespace?: string | undefined;
  /**
   * How long a new pool whose only news is "waiting for the shared objects" goes without that status before it is
   * due (default DEFAULT_PENDING_STATUS_DELAY_MS; 0 = written at once). See deferPending.
   */
  pendingStatusDelayMs?: number;
}

/**
 * A new pool that is waiting only for its gateway's shared objects is not shown Pending before this long (then
 * only Ready is written if it is Ready by then). bench:operator at 500 pools: the Pending write was one of the 3
 * sequential steps of a pool's first reconcile and ~500 of the burst's ~1,500 ModelPool writes (finalizer,
 * Pending, Ready), and a paced apply's Ready reconcile often waited for it; a new pool without any condition reads
 * as "not yet observed".
 */
export const DEFAULT_PENDING_STATUS_DELAY_MS = 2000;

/** Gateway passes by outcome: written (something changed), unchanged (merged, nothing to write), skipped (every merge known settled), error. */
const gatewayPasses = counter('higress_ai_operator_modelpool_gateway_passes_total', 'ModelPool gateway passes (shared-object merges) by outcome', [
  'outcome',
] as const);

/** Pool reconciles (not being deleted): full, or unchanged (returned at once: nothing they read had changed, see ReconcileMemo). */
const poolReconciles = counter('higress_ai_operator_modelpool_pool_reconciles_total', 'ModelPool pool reconciles by outcome: full, or unchanged inputs', [
  'outcome',
] as const);

export class CachesNotSyncedError extends WaitError {
  constructor(message: string) {
    super('CachesNotSynced', message);
  }
}

/**
 * Absence read from a cache that has not listed yet is not absence: a reconcile that reads `caches` waits (polled,
 * see WaitError) until all have listed once. `who` ends the message: "the pipeline waits".
 */
export function requireListed(caches: readonly { hasSynced(): boolean }[], who: string): void {
  if (!caches.every((c) => c.hasSynced())) throw new CachesNotSyncedError(`caches have not synced yet; ${who} waits`);
}

export class ModelPoolController {
  readonly observer: PoolObserver;
  private readonly objects: PoolObjects;
  private readonly gatewayErrors = new Map<string, ObjectError>();
  /** Per pool owner id: its shared entries held by someone else (from the last gateway pass). */
  private readonly sharedConflicts = new Map<string, Map<string, string>>();
  /** Per pool owner id: route objects held by someone else; shared rules for those routes are withheld. */
  private readonly routeConflicts = new Map<string, ReadonlySet<string>>();
  /** The pools' versions our own status writes produced (the primary's update predicate). */
  readonly ownWrites = new OwnWrites<ModelPoolObject>();
  /**
   * Per gateway namespace: pools whose last reconcile decided they are not Ready. A shared object's event must bring
   * them back even before the watch delivered that status (the cache may still say Ready; see poolsAffectedBy).
   */
  private readonly notReady = new Map<string, Set<string>>();
  /** Per pool: the inputs of its last reconcile that left nothing to do (resyncs of settled pools return at once). */
  private readonly memo = new ReconcileMemo();
  /** Per gateway namespace: what its last pass merged, so an unchanged pass skips the merges. */
  private readonly gatewayMemos = new Map<string, { current?: GatewayMemo }>();
  /** Per new pool whose Pending status was not written: the timer until it is due, or 'due' (see deferPending). */
  private readonly pendingStatus = new Map<string, ReturnType<typeof setTimeout> | 'due'>();

  constructor(private readonly deps: ModelPoolControllerDeps) {
    indexPools(deps.pools.store);
    this.observer = new PoolObserver(deps);
    this.objects = new PoolObjects(deps.client, deps, async () => (await this.observer.installedCrds()).envoyFilters);
  }

  /** The Higress (or Istio) CRDs were installed or removed: forget the cached answer. */
  crdsChanged(): void {
    this.observer.crdsChanged();
  }

  /** CRDs whose presence decides what a pool can be (watched by name, see modelpool-setup.ts). */
  static readonly watchedCrds: readonly string[] = [...HIGRESS_CRDS, ENVOYFILTER_CRD];

  /** Entry point for the work queue. Throws to request a rate-limited retry. */
  async reconcile(key: string): Promise<void> {
    try {
      if (key.startsWith(GATEWAY_PREFIX)) await this.reconcileGateway(key.slice(GATEWAY_PREFIX.length));
      else await this.reconcilePool(key);
    } catch (err) {
      // Both mean our cached copy is stale; the watch event carrying the newer state requeues the key.
      if (isNotFound(err) || isConflict(err)) {
        this.deps.log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
        return;
      }
      throw err;
    }
  }

  private async reconcilePool(key: string): Promise<void> {
    const cached = this.deps.pools.store.get(key);
    if (!cached) {
      this.ownWrites.forget(key);
      this.memo.forget(key);
      this.clearPending(key);
      for (const keys of this.notReady.values()) keys.delete(key);
      this.observer.forget(key);
      return this.releaseGone({ kind: KIND, ...parseKey(key) });
    }
    const pool = this.ownWrites.newest(cached);
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    const gw = gatewayNamespaceOf(pool);
    if (isBeingDeleted(pool)) return this.finalizePool(pool, owner, gw);
    const snapshot = await this.settledSnapshot(key, pool, gw);
    if (snapshot && this.memo.unchanged(key, snapshot)) return void poolReconciles.inc({ outcome: 'unchanged' });
    poolReconciles.inc({ outcome: 'full' });
    // No finalizer is added (ADR 0008): what a pool generates is found again by its labels when it is gone.

    const parsed = modelPoolSpecSchema.safeParse(pool.spec);
    if (!parsed.success) {
      // Loses nothing: objects generated from the last valid spec stay in place.
      const message = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ');
      const ready = { type: READY, status: 'False' as const, reason: 'InvalidSpec', message };
      return void (await this.writeStatus(pool, { ...pickStatus(pool.status), ready, set: [], remove: [] }));
    }

    const notServed = gatewayNamespaceNotServed(gw, this.deps.servedGatewayNamespace, 'pool');
    if (notServed) {
      await this.pruneOtherGateways(owner, undefined); // moved out of the served namespace: its routes there go
      return void (await this.writeStatus(pool, { ...pickStatus(pool.status), ready: notServed, set: [], remove: [] }));
    }

    // A referenced Secret whose cache has not listed yet would read as missing; its sync requeues the pool.
    if (!this.referencedSecretsSynced(pool)) return;
    const crds = await this.observer.installedCrds();
    const unlisted = this.unlistedCache(crds);
    if (unlisted) return this.waitForCaches(pool, unlisted);
    const fallback = await this.observer.fallbackMode();
    const render = this.observer.render(pool, fallback === 'routes')!;
    const generatedBefore = new Set((pool.status?.generatedObjects ?? []).filter((o) => !o.error).map((o) => `${o.kind}/${o.name}`));
    const applied: ApplyOutcome = crds.missing.length ? { errors: new Map(), conflicts: new Map() } : await this.objects.apply(render, generatedBefore);
    if (!crds.missing.length && (await this.objects.prune(owner, gw, render))) this.deps.enqueue(GATEWAY_PREFIX + gw);
    await this.pruneOtherGateways(owner, gw);
    const waitingFor = this.observer.waitingFor(render, crds.envoyFilters);
    // Marked before the gateway is queued: its pass can complete the pool while this reconcile still writes status.
    if (waitingFor) this.decided(gw, key, false);
    if (waitingFor) this.deps.enqueue(GATEWAY_PREFIX + gw);

    // A held route ConfigMap means the whole route (its Ingresses too) is someone else's.
    const held = new Set(
      [...applied.conflicts.keys()].flatMap((k) => (k.startsWith('ConfigMap/') ? derivedNames(k.slice(10)) : [k.slice(k.indexOf('/') + 1)])),
    );
    if (!jsonEqual([...held].sort(), [...(this.routeConflicts.get(render.ownerId) ?? [])].sort())) this.deps.enqueue(GATEWAY_PREFIX + gw);
    if (held.size) this.routeConflicts.set(render.ownerId, held);
    else this.routeConflicts.delete(render.ownerId);
    const conflicts = new Map([...applied.conflicts, ...(this.sharedConflicts.get(render.ownerId) ?? [])]);
    const result = modelPoolStatus(render, (pool.spec.fallback?.length ?? 0) > 0, {
      generation: pool.metadata.generation,
      missingCrds: crds.missing,
      fallback,
      objectErrors: applied.errors,
      nameConflicts: conflicts,
      gatewayError: this.gatewayErrors.get(gw),
      waitingFor,
      ingressClassSharedWith: gatewaysSharingClass(classUsers(this.deps.pools), gw, render.ingressClassName),
    });
    if (tracing()) mark('pool.decided', { ready: result.ready.status, reason: result.ready.reason, waitingFor });
    if (this.deferPending(key, pool, result)) {
      // Nothing written, so nothing settled: the gateway pass that completes the pool (requeueCompleted, the
      // shared objects' events) or the Pending status falling due brings it back.
      this.memo.forget(key);
      this.decided(gw, key, false);
      return;
    }
    emitEvents(this.deps.event, pool, render, result.ready);
    const written = await this.writeStatus(pool, result);
    const settled = result.ready.status === 'True' && !applied.errors.size && !conflicts.size;
    if (snapshot && settled) this.memo.record(key, snapshot, written);
    else this.memo.forget(key);
    this.decided(gw, key, result.ready.status === 'True');
    this.deps.log.debug({ pool: key, ready: result.ready.status, reason: result.ready.reason, waitingFor }, 'reconciled ModelPool');
  }

  /**
   * Pools of `gw` a shared object's write may complete or release: those the cache shows not Ready or being deleted
   * (an index, not a walk of every pool), plus those whose last reconcile decided they wait while the cache may still
   * hold their Ready status (the pass that completes them can be delivered before their own status write).
   */
  waitingPools(gw: string): Map<string, ModelPoolObject> {
    const { store } = this.deps.pools;
    const waiting = new Map(store.byIndex(POOL_WAITING_INDEX, gw).map((p) => [makeKey(p.metadata.namespace, p.metadata.name), p]));
    for (const key of this.notReady.get(gw) ?? []) {
      const p = waiting.has(key) ? undefined : store.get(key);
      if (p) waiting.set(key, p);
    }
    return waiting;
  }

  private decided(gw: string, key: string, ready: boolean): void {
    for (const [other, keys] of this.notReady) if (other !== gw) keys.delete(key); // its gateway changed
    const keys = this.notReady.get(gw);
    if (ready) keys?.delete(key);
    else if (keys) keys.add(key);
    else this.notReady.set(gw, new Set([key]));
  }

  /**
   * True to leave `pool`'s Pending status unwritten for now. Only a pool without any condition yet (new: nothing it
   * shows is stale) whose one piece of news is that it waits for the shared objects; any other condition that is
   * not True (a broken cache, fallback without its CRD) is written at once. After pendingStatusDelayMs the status is
   * due: its next reconcile writes it, and one is queued at low priority — after every change waiting to be handled,
   * so in a burst the pools' own work and their Ready writes go first and a pool Ready by then never shows Pending;
   * on a quiet operator that is at once.
   */
  private deferPending(key: string, pool: ModelPoolObject, result: ReturnType<typeof modelPoolStatus>): boolean {
    const delayMs = this.deps.pendingStatusDelayMs ?? DEFAULT_PENDING_STATUS_DELAY_MS;
    if (delayMs <= 0 || result.ready.reason !== 'Pending' || pool.status?.conditions?.length || result.set.some((c) => c.status !== 'True')) {
      return false;
    }
    const state = this.pendingStatus.get(key);
    if (state === 'due') return false;
    if (state === undefined) {
      const timer = setTimeout(() => {
        this.pendingStatus.set(key, 'due');
        this.deps.enqueue(key, 'low');
      }, delayMs);
      timer.unref?.();
      this.pendingStatus.set(key, timer);
    }
    return true;
  }

  private clearPending(key: string): void {
    const state = this.pendingStatus.get(key);
    if (state !== undefined && state !== 'due') clearTimeout(state);
    this.pendingStatus.delete(key);
  }

  /** Status writes go through here: their watch events are dropped (see OwnWrites). */
  private wrote(base: ModelPoolObject, written: ModelPoolObject): ModelPoolObject {
    if (written !== base) this.ownWrites.record(base, written);
    return written;
  }

  /** The pool as the status write returned it; undefined when the status already said all this. */
  private async writeStatus(pool: ModelPoolObject, decision: Parameters<typeof writePoolStatus>[2]): Promise<ModelPoolObject | undefined> {
    this.clearPending(makeKey(pool.metadata.namespace, pool.metadata.name));
    const written = await writePoolStatus(this.deps.client, pool, decision);
    if (written) this.wrote(pool, written);
    return written;
  }

  /**
   * The inputs of a Ready pool's reconcile (see ReconcileMemo), undefined when the full path must run anyway:
   * its status is not Ready yet (a new or changed pool: not worth a snapshot, the first resync takes one), a spec
   * that does not parse, Secrets not listed, or the shared objects lack its share.
   */
  private async settledSnapshot(key: string, pool: ModelPoolObject, gw: string): Promise<Snapshot | undefined> {
    if (!isReadyNow(pool) || !this.referencedSecretsSynced(pool) || gatewayNamespaceNotServed(gw, this.deps.servedGatewayNamespace, 'pool')) return undefined;
    const crds = await this.observer.installedCrds();
    const fallback = await this.observer.fallbackMode();
    const render = this.observer.render(pool, fallback === 'routes');
    if (!render || crds.missing.length || this.observer.waitingFor(render, crds.envoyFilters)) return undefined;
    return snapshotOf(this.deps, {
      pool,
      render,
      renderInputs: this.observer.renderInputs(key),
      crds,
      fallback,
      sharedConflicts: this.sharedConflicts.get(render.ownerId),
      routeConflicts: this.routeConflicts.get(render.ownerId),
      gatewayError: this.gatewayErrors.get(gw),
      ingressClassSharedWith: gatewaysSharingClass(classUsers(this.deps.pools), gw, render.ingressClassName),
    });
  }

  /**
   * A pool being deleted but still held by some finalizer (HiMarket's publish finalizer, another controller's, or
   * ours from operator versions that added one): its routes go now, its shared entries with the gateway pass (which
   * keeps live pools' only). Our own finalizer, where an older version added it, comes off once nothing of the pool
   * is left in the shared objects.
   */
  private async finalizePool(pool: ModelPoolObject, owner: OwnerRef, gw: string): Promise<void> {
    const ours = hasFinalizer(pool);
    const served = this.deps.servedGatewayNamespace;
    if (served !== undefined && gw !== served) {
      // Nothing was written for it (reconcilePool), and our caches could not show what is there anyway.
      if (ours) await removeFinalizer(this.deps.client, modelPoolResource, pool);
      return this.observer.forget(makeKey(owner.namespace, owner.name));
    }
    const crds = await this.observer.installedCrds();
    // "Nothing of ours is left" can only be read from caches that have listed at least once.
    const unlisted = this.unlistedCache(crds);
    if (unlisted) return this.waitForCaches(pool, unlisted);
    const left = await this.objects.prune(owner, gw, undefined);
    if (left || ours) this.deps.enqueue(GATEWAY_PREFIX + gw);
    if (!ours) return;
    const render = crds.missing.length ? undefined : this.observer.render(pool, false);
    const leftover = render ? this.observer.leftoverIn(render) : undefined;
    if (leftover) {
      this.deps.log.debug({ pool: owner, leftover }, 'waiting for shared gateway objects to drop the pool');
      return; // the WasmPlugin/McpBridge update brings us back
    }
    await removeFinalizer(this.deps.client, modelPoolResource, pool);
    this.observer.forget(makeKey(owner.namespace, owner.name));
  }

  /**
   * A pool moved to another gateway namespace (spec.gateway.namespace): its routes go from every other one the caches
   * show them in (an index lookup; the old gateway's pass, queued by the pool's update event, drops its shared
   * entries there).
   */
  private async pruneOtherGateways(owner: OwnerRef, current: string | undefined): Promise<void> {
    for (const gw of this.objects.gatewaysHolding(owner, { unseen: false })) {
      if (gw !== current && (await this.objects.prune(owner, gw, undefined))) this.deps.enqueue(GATEWAY_PREFIX + gw);
    }
  }

  /**
   * A pool gone from the cache: its route objects are deleted in every gateway namespace that holds some, and those
   * gateways are queued (their passes keep live pools' shared entries only). Nothing held the pool for this
   * (ADR 0008), so it also runs for a pool deleted while the operator was down: its routes' events at start bring
   * its key here.
   */
  private async releaseGone(owner: OwnerRef): Promise<void> {
    const gateways = this.objects.gatewaysHolding(owner);
    if (!gateways.length) return;
    // Watches of different kinds are not ordered (a new leader's caches): a route's event can come before its
    // pool's. Only a pool the API server no longer has loses its routes; an existing one's own event follows.
    if (await this.deps.client.get(modelPoolResource, owner.name, owner.namespace)) return;
    for (const gw of gateways) {
      try {
        if (await this.objects.prune(owner, gw, undefined)) this.deps.enqueue(GATEWAY_PREFIX + gw);
      } catch (err) {
        // Already gone (someone else deleted it) is not a failure; its delete event brings the key back.
        if (isNotFound(err)) throw err;
        // No status can say it any more; an Event still names the pool (`kubectl get events -n <its namespace>`).
        const gone = { metadata: { namespace: owner.namespace, name: owner.name } };
        this.deps.event?.(gone, 'Warning', 'CleanupFailed', `its routes in ${gw} could not be deleted: ${errorMessage(err)}`);
        throw err; // retried with backoff
      }
    }
  }

  /**
   * The first cache a pool's reconcile reads to decide what exists that has not listed yet, with why (its last
   * failed attempt), or undefined when all have. The Higress kinds are optional caches (their CRDs may be missing),
   * so the controller starts before they list: read empty, a Ready pool would be written Pending and then Ready again
   * on an operator restart or a leader change, and each of its routes fetched one by one. Without the Higress CRDs
   * there is nothing of ours in Higress objects: not waited for.
   */
  private unlistedCache(crds: { missing: readonly string[]; envoyFilters: boolean }): { kind: string; failure: unknown } | undefined {
    const { ingresses, configMaps, mcpBridges, wasmPlugins, envoyFilters } = this.deps;
    const caches: [kind: string, cache: Pick<Informer<KubeObject>, 'hasSynced' | 'syncFailure'>][] = [
      ['Ingress', ingresses],
      ['ConfigMap', configMaps],
    ];
    if (!crds.missing.length) caches.push(['McpBridge', mcpBridges], ['WasmPlugin', wasmPlugins]);
    if (crds.envoyFilters) caches.push(['EnvoyFilter', envoyFilters]);
    const unlisted = caches.find(([, c]) => !c.hasSynced());
    return unlisted && { kind: unlisted[0], failure: unlisted[1].syncFailure() };
  }

  /**
   * A pool waiting for an unlisted cache (to be reconciled, or deleted) says so when the cache cannot list for a
   * reason that will not pass by itself (its read permission removed): otherwise it would wait unseen. A cache still
   * listing writes nothing.
   */
  private async waitForCaches(pool: ModelPoolObject, unlisted: { kind: string; failure: unknown }): Promise<never> {
    const reason = reasonOf(unlisted.failure);
    if (unlisted.failure !== undefined && (reason === 'Forbidden' || reason === 'Unauthorized')) {
      const ready = {
        type: READY,
        status: 'False' as const,
        reason: `${unlisted.kind}Cache${reason}`,
        message: `the operator cannot list ${unlisted.kind} objects, so it cannot check this pool's: ${errorMessage(unlisted.failure)}`,
      };
      await this.writeStatus(pool, { ...pickStatus(pool.status), ready, set: [], remove: [] });
    }
    throw new CachesNotSyncedError(`the ${unlisted.kind} cache has not listed yet; the pool ${pool.metadata.name} waits`);
  }

  private async reconcileGateway(gw: string): Promise<void> {
    const { pools, secrets, wasmPlugins, mcpBridges, configMaps } = this.deps;
    if (this.deps.servedGatewayNamespace !== undefined && gw !== this.deps.servedGatewayNamespace) return; // its pools say why
    // A partial pool list would read as "those pools are gone" and release their entries.
    requireListed([pools, secrets, wasmPlugins, mcpBridges, configMaps], 'the gateway');
    const crds = await this.observer.installedCrds();
    if (crds.missing.length) return; // pools report it; nothing can be written
    const fallbackRoutes = (await this.observer.fallbackMode()) === 'routes';
    const renderStart = TIMELINE ? now() : 0;
    const live = pools.store.byIndex(POOL_GATEWAY_INDEX, gw).filter((p) => !isBeingDeleted(p));
    const renders = live.flatMap((p) => this.observer.render(p, fallbackRoutes) ?? []);
    if (tracing()) mark('gateway.render', { pools: renders.length, ms: round(now() - renderStart) });
    const liveOwners = new Set(live.map((p) => ownerId({ kind: KIND, namespace: p.metadata.namespace ?? 'default', name: p.metadata.name })));
    const before = { error: this.gatewayErrors.get(gw), conflicts: renders.map((r) => this.sharedConflicts.get(r.ownerId)) };
    let memo = this.gatewayMemos.get(gw);
    if (!memo) this.gatewayMemos.set(gw, (memo = {}));
    const result = await syncGateway(this.deps, gw, renders, liveOwners, (id) => this.routeConflicts.get(id), memo);
    const outcome = result.error ? 'error' : result.written ? 'written' : result.merged ? 'unchanged' : 'skipped';
    gatewayPasses.inc({ outcome });
    if (tracing()) mark('gateway.pass', { outcome, written: result.written, merged: result.merged, skipped: result.skipped });
    if (result.error) this.gatewayErrors.set(gw, result.error);
    else this.gatewayErrors.delete(gw);
    for (const r of renders) {
      const c = result.conflicts.get(r.ownerId);
      if (c) this.sharedConflicts.set(r.ownerId, c);
      else this.sharedConflicts.delete(r.ownerId);
    }
    // Pools report gateway errors and conflicts in their status, so they look again when one appears or clears.
    const after = { error: this.gatewayErrors.get(gw), conflicts: renders.map((r) => this.sharedConflicts.get(r.ownerId)) };
    if (!jsonEqual(before, after)) for (const p of live) this.deps.enqueue(makeKey(p.metadata.namespace, p.metadata.name));
    else if (result.written) this.requeueCompleted(gw, crds.envoyFilters);
    if (result.error) throw new Error(result.error.message);
  }

  /**
   * After a pass wrote: the pools not yet Ready that the written shared objects now complete. Their writes returned
   * those objects (newestShared), so the pools become Ready now instead of after the watch delivers the objects and
   * the handler indexes them again (bench:operator, 500 pools: ~1.2 MB of shared objects per apply; their events
   * arrived 40–320 ms after the responses). Pools still missing something are left to the events that bring it.
   */
  private requeueCompleted(gw: string, envoyFilters: boolean): void {
    for (const [key, cached] of this.waitingPools(gw)) {
      const p = this.ownWrites.newest(cached);
      if (isBeingDeleted(p) || isReady(p.status?.conditions, p.metadata.generation)) continue;
      const render = this.observer.lastRender(key);
      if (render && this.observer.waitingFor(render, envoyFilters) === undefined) this.deps.enqueue(key);
    }
  }

  /**
   * True when the last pass of `shared`'s gateway left it at exactly this version (its own write, or the version
   * it found converged): an event carrying that version needs no new pass.
   */
  gatewaySettled(shared: KubeObject): boolean {
    const memo = this.gatewayMemos.get(shared.metadata.namespace ?? '')?.current;
    const settled = memo?.settled.get(`${shared.kind}/${shared.metadata.name ?? ''}`);
    return settled !== undefined && settled.version !== undefined && settled.version === shared.metadata.resourceVersion;
  }

  private referencedSecretsSynced(pool: ModelPoolObject): boolean {
    const { secrets } = this.deps;
    if (!secrets.isSynced) return true;
    const ns = pool.metadata.namespace ?? 'default';
    return secretNamesOf(pool).every((name) => secrets.isSynced?.(makeKey(ns, name)) ?? true);
  }
}
