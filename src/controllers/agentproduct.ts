import type { Logger } from 'pino';
import { agentProductCrd, agentProductSpecSchema, type AgentProduct, type AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import type { WasmPlugin } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import type { ReconcileResult } from '../kube/controller.js';
import { writeStatus } from '../kube/conditions.js';
import { isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type KubeObject, type ObjectKey } from '../kube/object.js';
import { ownerKeyFor, type OwnerRef } from '../kube/owner.js';
import type { ReferencedObjects } from '../kube/referenced-objects.js';
import { customResource, Resources, type ResourceType } from '../kube/resources.js';
import { renderAgentProduct, type AgentObserved, type AgentRender, type SecretRef } from '../reconcilers/agentproduct.js';
import { sameSpec, sharedPluginMerger, type SharedPluginEdit } from '../reconcilers/agentproduct-gateway.js';
import { agentProductStatus } from '../reconcilers/agentproduct-status.js';
import { objectNames, RAG_PORT } from '../reconcilers/ragpipeline.js';
import { errorMessage } from '../util/errors.js';
import { DOCUMENT_REFRESH_MS, DOCUMENT_RETRY_MS, DocumentFetcher } from './agentproduct-documents.js';

/**
 * The AgentProduct controller, a thin shell: read the OpenAPI documents and Secrets the spec names, render
 * (pure, src/reconcilers/agentproduct.ts), apply the owned objects, merge our rules into the console's shared
 * WasmPlugins (agentproduct-gateway.ts), compute status (pure, agentproduct-status.ts) and write it. Secret
 * values go into the gateway objects only — never into logs, events or status.
 */

const KIND = 'AgentProduct';
export const agentProductResource = customResource(API_GROUP, API_VERSION, agentProductCrd.kind, agentProductCrd.plural);
export type AgentProductObject = AgentProduct & KubeObject;
export interface DataObject extends KubeObject {
  data?: Record<string, string>;
}

export type ReferenceKind = 'secrets' | 'configMaps' | 'services';

/** Secrets, ConfigMaps (OpenAPI documents) and the Redis Service a product names, as `namespace/name` keys. Pure. */
export function referencesOf(p: AgentProductObject): Record<ReferenceKind, ObjectKey[]> {
  const ns = p.metadata.namespace ?? 'default';
  const tools = p.spec?.tools ?? [];
  const secrets = [
    ...tools.flatMap((t) => (t.openapi?.credentials ?? []).map((c) => c.secretRef.name)),
    ...(p.spec?.access?.consumers ?? []).map((c) => c.keySecretRef.name),
    ...(p.spec?.access?.redis?.passwordSecretRef ? [p.spec.access.redis.passwordSecretRef.name] : []),
  ];
  const configMaps = tools.flatMap((t) => (t.openapi?.configMap ? [t.openapi.configMap.name] : []));
  const redis = p.spec?.access?.redis?.service;
  const services = redis ? [makeKey(redis.namespace ?? p.spec.gateway?.namespace ?? 'higress-system', redis.name)] : [];
  return { secrets: [...new Set(secrets)].map((n) => makeKey(ns, n)), configMaps: [...new Set(configMaps)].map((n) => makeKey(ns, n)), services };
}

export interface AgentProductControllerDeps {
  client: KubeClient;
  products: Informer<AgentProductObject>;
  /** Our Ingresses and AI-route ConfigMaps in gateway namespaces (managed-by label). */
  ingresses: Informer<KubeObject>;
  configMaps: Informer<KubeObject>;
  wasmPlugins: Informer<WasmPlugin & KubeObject>;
  /** RagPipelines (tools[].ragPipeline): present ⇒ their runtime Service is the MCP server's upstream. */
  pipelines: Informer<KubeObject>;
  secrets: ReferencedObjects<DataObject>;
  documents: ReferencedObjects<DataObject>;
  /** The Redis Service of access.redis (token limits): absent ⇒ RedisMissing. */
  services: ReferencedObjects<KubeObject>;
  log: Logger;
  /** Reads `openapi.url` documents; default plain HTTP GET with a 5 s timeout. */
  fetcher?: DocumentFetcher;
}

export class AgentProductController {
  private readonly fetcher: DocumentFetcher;

  constructor(private readonly deps: AgentProductControllerDeps) {
    this.fetcher = deps.fetcher ?? new DocumentFetcher();
  }

  static readonly ownerKey = ownerKeyFor(KIND);

  /** Products that read a Secret or ConfigMap (a key rotation or a new document re-renders them). */
  productsReferencing(kind: ReferenceKind, obj: KubeObject): string[] {
    const key = makeKey(obj.metadata.namespace, obj.metadata.name ?? '');
    return this.deps.products.store
      .list()
      .filter((p) => referencesOf(p)[kind].includes(key))
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  /** A shared plugin changed (console edit, drift): every product on that gateway re-merges its rules. */
  productsOnGateway(obj: KubeObject): string[] {
    return this.deps.products.store
      .list()
      .filter((p) => (p.spec?.gateway?.namespace ?? 'higress-system') === obj.metadata.namespace)
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    try {
      return await this.reconcileProduct(key);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) {
        this.deps.log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
        return;
      }
      throw err;
    }
  }

  private async reconcileProduct(key: string): Promise<ReconcileResult | void> {
    const { client, products, secrets, documents } = this.deps;
    const product = products.store.get(key);
    if (!product) return;
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    if (isBeingDeleted(product)) return this.finalize(product, owner);
    const current = hasFinalizer(product) ? product : await addFinalizer(client, agentProductResource, product);
    const previous = current.status;
    const generation = current.metadata.generation;
    const parsed = agentProductSpecSchema.safeParse(current.spec);
    if (!parsed.success) {
      const invalid = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await writeStatus(client, agentProductResource, current, agentProductStatus({ generation, previous, invalid }));
      return;
    }
    const refs = referencesOf(current);
    // Not listed yet: wait (onSynced enqueues us) rather than report a Secret missing that is only unread.
    if (![...refs.secrets.map((k) => secrets.isSynced(k)), ...refs.configMaps.map((k) => documents.isSynced(k)), ...refs.services.map((k) => this.deps.services.isSynced(k))].every(Boolean)) return;
    const spec = parsed.data;
    const read = (ref: SecretRef, from: ReferencedObjects<DataObject>, base64: boolean): string | undefined => {
      const raw = from.store.get(makeKey(namespace, ref.name))?.data?.[ref.key];
      return raw === undefined ? undefined : base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    };
    const docs: Record<string, AgentObserved['documents'][string]> = {};
    for (const t of spec.tools) {
      const o = t.openapi;
      if (!o) continue;
      if (o.inline !== undefined) docs[t.name] = { text: o.inline };
      else if (o.configMap) {
        const text = read(o.configMap, documents, false);
        docs[t.name] = text !== undefined ? { text } : { error: `ConfigMap ${o.configMap.name} has no key ${o.configMap.key}` };
      } else if (o.url) docs[t.name] = await this.fetcher.read(o.url);
    }
    const render = renderAgentProduct(
      { ...current, spec },
      {
        documents: docs,
        secret: (ref) => read(ref, secrets, true),
        ragServices: Object.fromEntries(spec.tools.flatMap((t) => (t.ragPipeline ? [[t.name, this.ragService(namespace, t.ragPipeline.name)]] : []))),
        redisExists: refs.services[0] !== undefined ? this.deps.services.store.get(refs.services[0]) !== undefined : undefined,
        previous: { consumers: previous?.consumers ?? [], routes: previousRoutes(previous) },
      },
    );
    const applyError = await this.applyRender(render, owner, previous);
    await writeStatus(client, agentProductResource, current, agentProductStatus({ generation, previous, render, ...(applyError ? { applyError } : {}) }));
    // A URL document can change without any event: read it again after the refresh period.
    const urls = spec.tools.filter((t) => t.openapi?.url);
    if (!urls.length) return undefined;
    return { requeueAfterMs: urls.some((t) => 'error' in (docs[t.name] ?? {})) ? DOCUMENT_RETRY_MS : DOCUMENT_REFRESH_MS };
  }

  /** The runtime Service of a RagPipeline in the product's namespace (ragpipeline.ts names it), if the pipeline exists. */
  private ragService(namespace: string, pipeline: string): string | undefined {
    if (!this.deps.pipelines.store.get(makeKey(namespace, pipeline))) return undefined;
    return `${objectNames(pipeline).workload}.${namespace}.svc.cluster.local:${RAG_PORT}`;
  }

  /** Products whose tools name this RagPipeline (it appeared or went away). */
  productsUsingPipeline(p: KubeObject): string[] {
    return this.deps.products.store
      .list()
      .filter((a) => a.metadata.namespace === p.metadata.namespace && (a.spec?.tools ?? []).some((t) => t.ragPipeline?.name === p.metadata.name))
      .map((a) => makeKey(a.metadata.namespace, a.metadata.name));
  }

  /** Apply owned objects, prune stale ones, merge shared rules; the first failure becomes the Applied reason. */
  private async applyRender(render: AgentRender, owner: OwnerRef, previous: AgentProductStatus | undefined): Promise<{ reason: string; message: string } | undefined> {
    const { client } = this.deps;
    const gw = render.gatewayNamespace;
    let error: { reason: string; message: string } | undefined;
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        // A stale cache (someone wrote the shared plugin after we read it): the watch event brings us back.
        if (isConflict(err)) throw err;
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
    for (const edit of render.shared) await attempt('WasmPlugin', () => this.mergeShared(gw, edit, true));
    const left = new Set((previous?.generatedObjects ?? []).map((o) => o.namespace).filter((n) => n !== gw));
    for (const ns of left) await attempt('Gateway', () => this.leaveGateway(ns, previous, owner));
    return error;
  }

  /** Read-merge-write of one console WasmPlugin; only our routes' rules and our consumers change. */
  private async mergeShared(gw: string, edit: SharedPluginEdit, create: boolean): Promise<void> {
    const { client } = this.deps;
    const existing = this.deps.wasmPlugins.store.get(makeKey(gw, edit.name)) ?? (await client.get<WasmPlugin & KubeObject>(Resources.WasmPlugin, edit.name, gw));
    if (!existing && !create) return;
    const merged = sharedPluginMerger.merge(existing, edit);
    if (sameSpec(existing, merged)) return;
    if (existing) await client.update(Resources.WasmPlugin, merged);
    else await client.create(Resources.WasmPlugin, merged);
  }

  /** Remove our rules, consumers and objects from every gateway the last status names, then the finalizer. */
  private async finalize(product: AgentProductObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(product)) return;
    const status = product.status;
    const gateways = new Set([product.spec?.gateway?.namespace ?? 'higress-system', ...(status?.generatedObjects ?? []).map((o) => o.namespace)]);
    for (const gw of gateways) await this.leaveGateway(gw, status, owner);
    await removeFinalizer(this.deps.client, agentProductResource, product);
  }

  /** Take everything this product put on gateway `gw` off it (deletion, or spec.gateway.namespace moved). */
  private async leaveGateway(gw: string, status: AgentProductStatus | undefined, owner: OwnerRef): Promise<void> {
    const routes = previousRoutes(status);
    const names = new Set((status?.generatedObjects ?? []).filter((o) => o.kind === 'WasmPlugin' && o.namespace === gw).map((o) => o.name));
    for (const plugin of names) {
      const existing = this.deps.wasmPlugins.store.get(makeKey(gw, plugin));
      if (!existing) continue;
      const keyAuth = plugin === 'key-auth.internal' ? { consumers: [], ownedConsumers: status?.consumers ?? [] } : {};
      await this.mergeShared(gw, { name: plugin, rules: [], ownedRoutes: routes, template: existing, ...keyAuth }, false);
    }
    for (const rt of [Resources.Ingress, Resources.ConfigMap, Resources.WasmPlugin]) await pruneOwned(this.deps.client, rt, gw, owner, new Set());
  }
}

/** The route (Ingress) names a previous status recorded: their rules in shared plugins are ours. */
function previousRoutes(status: AgentProductStatus | undefined): string[] {
  return (status?.generatedObjects ?? []).filter((o) => o.kind === 'Ingress').map((o) => o.name);
}
