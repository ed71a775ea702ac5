import type { Logger } from 'pino';
import { publishSpecSchema, PRODUCT_ID_ANNOTATION, PUBLISH_FINALIZER, type PublishSpec, type PublishStatus } from '../api/v1alpha1/publish.js';
import { HiMarketError } from '../himarket/errors.js';
import type { HiMarketSessions } from '../himarket/sessions.js';
import { deleteProduct, findProduct, syncProduct, SyncError } from '../himarket/sync.js';
import type { KubeClient } from '../kube/client.js';
import type { ReconcileResult } from '../kube/controller.js';
import { isConflict, isNotFound } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { jsonEqual, makeKey, parseKey, type KubeObject } from '../kube/object.js';
import type { ResourceType } from '../kube/resources.js';
import {
  conditionsWith,
  connectionFromStatus,
  desiredProduct,
  pendingCondition,
  productNameOf,
  resolvePortals,
  statusFromError,
  statusFromOutcome,
  type PublishOwner,
} from '../reconcilers/himarket-publish.js';
import type { LinkChoice } from '../reconcilers/himarket-links.js';
import { errorMessage } from '../util/errors.js';
import { connectionCredentials, type HiMarketConnectionObject, type SecretCache } from './himarket-connection.js';

/**
 * Publishes an owner kind (ModelPool, SemanticRouter, AgentProduct: one adapter each, himarket-wiring.ts) to
 * HiMarket: the thin shell around src/himarket/sync.ts. Writes `status.publish` and the product-id
 * annotation, holds a finalizer while a product exists, and turns every failure into a `Published`
 * condition carrying HiMarket's code and message.
 */

/** Remembers which connection a product was created through, for clean-up after `spec.publish` is removed. */
export const CONNECTION_ANNOTATION = 'himarket.ai.higress.io/connection';

export type PublishableObject = KubeObject & { spec: { publish?: unknown }; status?: { publish?: PublishStatus } & Record<string, unknown> };

/** How one owner kind offers itself for publishing. */
export interface PublishAdapter<T extends PublishableObject> {
  kind: string;
  resource: ResourceType;
  informer: Informer<T>;
  /** Which resource the product links, its default type and documentation inputs (src/reconcilers/himarket-links.ts). */
  describe(obj: T, publish: PublishSpec): LinkChoice;
}

export interface HiMarketPublishDeps<T extends PublishableObject> {
  client: KubeClient;
  adapter: PublishAdapter<T>;
  connections: Informer<HiMarketConnectionObject>;
  secrets: SecretCache;
  sessions: HiMarketSessions;
  log: Logger;
  event?: (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Re-sync period (drift, subscription counts). Default 5 min. */
  pollMs?: number;
}

const ERROR_RETRY_MS = 60_000;
/** Connection reasons meaning HiMarket refused the credentials: owners wait for the connection instead of retrying. */
const REFUSED = new Set(['HiMarketAuthenticationFailed', 'HiMarketForbidden', 'HiMarketAccessDenied', 'SecretMissing', 'InvalidSpec']);

export class HiMarketPublishController<T extends PublishableObject> {
  constructor(private readonly deps: HiMarketPublishDeps<T>) {}

  /** Owners publishing through connection `ns/name` (its readiness gates them). */
  ownersOfConnection(conn: KubeObject): string[] {
    const ns = conn.metadata.namespace ?? '';
    return this.deps.adapter.informer.store
      .byNamespace(ns)
      .filter(
        (o) =>
          (o.spec.publish as PublishSpec | undefined)?.connectionRef?.name === conn.metadata.name ||
          o.metadata.annotations?.[CONNECTION_ANNOTATION] === conn.metadata.name,
      )
      .map((o) => makeKey(ns, o.metadata.name ?? ''));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const obj = this.deps.adapter.informer.store.get(key);
    if (!obj) return;
    try {
      return await this.reconcileObject(obj);
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return; // stale cache; the watch event requeues
      throw e;
    }
  }

  private async reconcileObject(obj: T): Promise<ReconcileResult | void> {
    const { adapter, client } = this.deps;
    const raw = obj.spec.publish;
    if (isBeingDeleted(obj) || raw === undefined) {
      if (!hasFinalizer(obj, PUBLISH_FINALIZER)) return;
      await this.cleanUp(obj, raw === undefined ? undefined : publishSpecSchema.safeParse(raw).data);
      await removeFinalizer(client, adapter.resource, obj, PUBLISH_FINALIZER);
      if (!isBeingDeleted(obj) && obj.status?.publish) await this.writePublish(obj, undefined);
      return;
    }
    const parsed = publishSpecSchema.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.publish.${i.path.join('.')}: ${i.message}`).join('; ');
      await this.writeCondition(obj, 'InvalidSpec', message);
      return;
    }
    const spec = parsed.data;
    const current = await addFinalizer(client, adapter.resource, obj, PUBLISH_FINALIZER);
    const { namespace, name } = parseKey(makeKey(obj.metadata.namespace, obj.metadata.name ?? ''));
    const conn = this.deps.connections.store.get(makeKey(namespace, spec.connectionRef.name));
    if (!conn)
      return void (await this.writeCondition(current, 'ConnectionNotFound', `HiMarketConnection ${namespace}/${spec.connectionRef.name} does not exist`));
    const connReady = conn.status?.conditions?.find((c) => c.type === 'Ready');
    if (connReady && REFUSED.has(connReady.reason)) {
      // Every owner logging in with credentials HiMarket just refused would only multiply the refusals.
      return void (await this.writeCondition(current, connReady.reason, `HiMarketConnection ${spec.connectionRef.name}: ${connReady.message}`));
    }
    const resolved = connectionFromStatus(conn.status, conn.spec.gateway.gatewayAddress);
    if (!resolved) {
      const why = conn.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'not checked yet';
      return void (await this.writeCondition(current, 'ConnectionNotReady', `HiMarketConnection ${spec.connectionRef.name} is not ready: ${why}`));
    }
    const creds = connectionCredentials(this.deps.secrets, namespace, conn.spec);
    if (typeof creds === 'string') return void (await this.writeCondition(current, 'SecretMissing', creds));
    const portals = resolvePortals(spec, resolved);
    if (portals.unknown.length) {
      return void (await this.writeCondition(
        current,
        'UnknownPortal',
        `portals ${portals.unknown.join(', ')} are not in HiMarketConnection ${spec.connectionRef.name} (spec.portals)`,
      ));
    }

    const { invalid, ...choice } = adapter.describe(obj, spec);
    // Nothing is created in HiMarket for a spec that cannot be linked as written; an existing product stays as it is.
    if (invalid) return void (await this.writeCondition(current, invalid.reason, invalid.message));
    const owner: PublishOwner = {
      kind: adapter.kind,
      namespace,
      name,
      uid: obj.metadata.uid ?? '',
      generation: obj.metadata.generation,
      publish: spec,
      ...choice,
    };
    const himarket = this.deps.sessions.client(makeKey(namespace, spec.connectionRef.name), creds);
    const prev = current.status?.publish;
    const knownId = prev?.productId ?? obj.metadata.annotations?.[PRODUCT_ID_ANNOTATION];
    try {
      const categoryIds = [];
      for (const c of spec.categories ?? []) categoryIds.push((await himarket.ensureCategory(c)).categoryId);
      const desired = desiredProduct(owner, resolved, categoryIds, portals.ids);
      const outcome = await syncProduct(himarket, desired, knownId);
      const productId = outcome.observed.product.productId;
      // The id first, in an annotation: it survives a lost status write and finds a renamed product.
      const annotated = await this.annotate(current, productId, spec.connectionRef.name);
      const subscriptions = (await himarket.listSubscriptions(productId)).length;
      const portalUrl = conn.status?.portals?.find((p) => p.portalId === portals.ids[0])?.url;
      const status = statusFromOutcome(prev, owner, outcome, { portals: resolved.portals, subscriptions, portalUrl });
      if (outcome.actions.length) this.deps.event?.(obj, 'Normal', 'HiMarketSynced', `product ${desired.name}: ${outcome.actions.join(', ')}`);
      await this.writePublish(annotated, status);
      return { requeueAfterMs: this.deps.pollMs ?? 5 * 60_000 };
    } catch (e) {
      // Our own write of the owner lost a race with its controller (409): nothing failed in HiMarket, so no
      // SyncFailed event or condition; reconcile() waits for the newer version's event. The demo showed the warning
      // when the connection turned Ready while the pool's controller was writing its status.
      if (isConflict(e)) throw e;
      const status = statusFromError(prev, owner, e);
      const reason = status.conditions?.find((c) => c.type === 'Published')?.reason ?? 'SyncFailed';
      if (prev?.conditions?.find((c) => c.type === 'Published')?.reason !== reason) this.deps.event?.(obj, 'Warning', reason, errorMessage(e));
      await this.writePublish(current, status);
      if (e instanceof HiMarketError && e.transient) throw e; // queue backoff
      if (e instanceof HiMarketError || e instanceof SyncError) return { requeueAfterMs: ERROR_RETRY_MS };
      throw e;
    }
  }

  /** Unpublish and delete the product (cancelling subscriptions first when asked); absent product = done. */
  private async cleanUp(obj: T, spec: PublishSpec | undefined): Promise<void> {
    const ns = obj.metadata.namespace ?? '';
    const connName = spec?.connectionRef.name ?? obj.metadata.annotations?.[CONNECTION_ANNOTATION];
    const conn = connName ? this.deps.connections.store.get(makeKey(ns, connName)) : undefined;
    if (!conn) {
      // Nothing to talk to: keeping the finalizer would block deletion forever on a connection that is gone.
      this.deps.log.warn({ owner: obj.metadata.name, connection: connName }, 'HiMarketConnection gone; product (if any) left in HiMarket');
      return;
    }
    const creds = connectionCredentials(this.deps.secrets, ns, conn.spec);
    if (typeof creds === 'string') throw new SyncError('NotConverged', `cannot delete the HiMarket product: ${creds}`);
    const himarket = this.deps.sessions.client(makeKey(ns, conn.metadata.name ?? ''), creds);
    let productId = obj.status?.publish?.productId ?? obj.metadata.annotations?.[PRODUCT_ID_ANNOTATION];
    if (!productId && spec) {
      // Killed before the id was written: find it the way sync does (exact name + our marker).
      const pname = productNameOf({ namespace: ns, name: obj.metadata.name ?? '', publish: spec });
      productId = (await findProduct(himarket, { name: pname, ownerUid: obj.metadata.uid ?? '' }, undefined).catch(() => undefined))?.productId;
    }
    if (!productId) return;
    const actions = await deleteProduct(himarket, productId, { cancelSubscriptions: spec?.cancelSubscriptions ?? false });
    if (actions.length) this.deps.event?.(obj, 'Normal', 'HiMarketDeleted', `product ${productId}: ${actions.join(', ')}`);
  }

  private async annotate(obj: T, productId: string, connection: string): Promise<T> {
    const a = obj.metadata.annotations ?? {};
    if (a[PRODUCT_ID_ANNOTATION] === productId && a[CONNECTION_ANNOTATION] === connection) return obj;
    const patch = { metadata: { annotations: { [PRODUCT_ID_ANNOTATION]: productId, [CONNECTION_ANNOTATION]: connection } } };
    return this.deps.client.patch<T>(this.deps.adapter.resource, obj.metadata.name ?? '', obj.metadata.namespace, patch, 'merge');
  }

  private async writeCondition(obj: T, reason: string, message: string): Promise<void> {
    const prev = obj.status?.publish;
    const c = { ...pendingCondition(reason, message), ...(obj.metadata.generation !== undefined ? { observedGeneration: obj.metadata.generation } : {}) };
    await this.writePublish(obj, { ...(prev ?? {}), conditions: conditionsWith(prev, c) });
  }

  /** Replace `status.publish`, keeping every other status field as the owner's controller wrote it. */
  private async writePublish(obj: T, publish: PublishStatus | undefined): Promise<void> {
    const prev = obj.status?.publish;
    // lastSyncTime alone changing is not worth a write (and an event storm on every poll).
    if (publish && prev && jsonEqual({ ...prev, lastSyncTime: undefined }, { ...publish, lastSyncTime: undefined })) return;
    const { publish: _old, ...rest } = obj.status ?? {};
    const status = publish ? { ...rest, publish } : rest;
    await this.deps.client.updateStatus<T>(this.deps.adapter.resource, { ...obj, status });
  }
}
