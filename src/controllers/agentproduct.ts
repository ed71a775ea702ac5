import type { Logger } from 'pino';
import { agentProductCrd, agentProductSpecSchema, type AgentProduct, type AgentProductSpec, type AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import { AI_ROUTE_CONFIG_MAP_TYPE, aiRouteIngressName, parseAiRoute, type ProviderService } from '../higress/console/ai-route.js';
import { CONFIG_MAP_TYPE_LABEL } from '../higress/console/meta.js';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import type { WasmPlugin } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import type { ReconcileResult } from '../kube/controller.js';
import { READY, writeStatus } from '../kube/conditions.js';
import { isAlreadyExists, isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type KubeObject, type ObjectKey } from '../kube/object.js';
import { ownerKeyFor, ownerLabels, ownerOf, type OwnerRef } from '../kube/owner.js';
import type { ReferencedObjects } from '../kube/referenced-objects.js';
import { customResource, Resources, type ResourceType } from '../kube/resources.js';
import { renderAgentProduct, type AgentObserved, type AgentRender, type ModelRoute, type SecretRef } from '../reconcilers/agentproduct.js';
import { sameSpec, sharedPluginMerger, unusedPlugin, type SharedPluginEdit } from '../reconcilers/agentproduct-gateway.js';
import { agentProductStatus } from '../reconcilers/agentproduct-status.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { objectNames, RAG_PORT } from '../reconcilers/ragpipeline.js';
import { errorMessage } from '../util/errors.js';
import { DOCUMENT_REFRESH_MS, DOCUMENT_RETRY_MS, DocumentFetcher } from './agentproduct-documents.js';
import type { EventSink } from './modelpool.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';

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
  const services = redis ? [makeKey(redis.namespace ?? p.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE, redis.name)] : [];
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
  /** Kubernetes Events on the product (tools published or changed, Ready and each new failure reason). */
  event?: EventSink;
  /** The one gateway namespace the caches cover (src/kube/manager.ts gatewayNamespace); undefined = all. */
  servedGatewayNamespace?: string | undefined;
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
      .filter((p) => (p.spec?.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE) === obj.metadata.namespace)
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    try {
      return await this.reconcileProduct(key);
    } catch (err) {
      // AlreadyExists: another product on the gateway created a shared console plugin first (its watch event
      // brings us back to merge into it).
      if (isNotFound(err) || isConflict(err) || isAlreadyExists(err)) {
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
      const status = agentProductStatus({ generation, previous, invalid });
      this.recordEvents(current, previous, status);
      await writeStatus(client, agentProductResource, current, status);
      return;
    }
    const notServed = gatewayNamespaceNotServed(parsed.data.gateway.namespace, this.deps.servedGatewayNamespace, 'product');
    if (notServed) {
      const status = agentProductStatus({ generation, previous, notServed });
      this.recordEvents(current, previous, status);
      await writeStatus(client, agentProductResource, current, status);
      return;
    }
    const refs = referencesOf(current);
    // Not listed yet: wait (onSynced enqueues us) rather than report a Secret missing that is only unread.
    if (
      ![
        ...refs.secrets.map((k) => secrets.isSynced(k)),
        ...refs.configMaps.map((k) => documents.isSynced(k)),
        ...refs.services.map((k) => this.deps.services.isSynced(k)),
      ].every(Boolean)
    )
      return;
    const spec = parsed.data;
    /** Every Secret value read in this pass: masked out of anything that leaves for status or events. */
    const secretValues = new Set<string>();
    const read = (ref: SecretRef, from: ReferencedObjects<DataObject>, base64: boolean): string | undefined => {
      const raw = from.store.get(makeKey(namespace, ref.name))?.data?.[ref.key];
      const value = raw === undefined ? undefined : base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      if (value && base64) secretValues.add(value);
      return value;
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
        agentModel: this.modelRoute(namespace, spec),
        redisExists: refs.services[0] !== undefined ? this.deps.services.store.get(refs.services[0]) !== undefined : undefined,
        previous: { consumers: previous?.consumers ?? [], routes: previousRoutes(previous) },
      },
    );
    const failed = await this.applyRender(render, owner, previous);
    // An API server's rejection can quote the object it rejected, and our objects carry keys and tokens.
    const applyError = failed && { reason: failed.reason, message: redact(failed.message, secretValues) };
    const status = agentProductStatus({ generation, previous, render, ...(applyError ? { applyError } : {}) });
    this.recordEvents(current, previous, status);
    await writeStatus(client, agentProductResource, current, status);
    // A URL document can change without any event: read it again after the refresh period.
    const urls = spec.tools.filter((t) => t.openapi?.url);
    if (!urls.length) return undefined;
    return { requeueAfterMs: urls.some((t) => 'error' in (docs[t.name] ?? {})) ? DOCUMENT_RETRY_MS : DOCUMENT_REFRESH_MS };
  }

  /**
   * Events, as the other controllers emit them (deduplicated by the recorder): the first toolset, each toolset
   * revision change with the tools added and removed, Ready turning True, and each new failure reason. They
   * carry tool names, revisions and condition messages — never a Secret value (status never holds one).
   */
  private recordEvents(product: AgentProductObject, previous: AgentProductStatus | undefined, next: AgentProductStatus): void {
    const event = this.deps.event;
    if (!event) return;
    const before = previous?.conditions?.find((c) => c.type === READY);
    const after = next.conditions?.find((c) => c.type === READY);
    if (next.toolsetRevision && next.toolsetRevision !== previous?.toolsetRevision) {
      const servers = next.mcpServers?.length ?? 0;
      if (!previous?.toolsetRevision) {
        event(product, 'Normal', 'ToolsCreated', `${next.toolCount ?? 0} tools on ${servers} MCP servers (toolset ${next.toolsetRevision})`);
      } else {
        const was = new Set(previous.tools ?? []);
        const now = new Set(next.tools ?? []);
        const added = [...now].filter((t) => !was.has(t));
        const removed = [...was].filter((t) => !now.has(t));
        const list = (xs: string[]) => (xs.length > 10 ? `${xs.slice(0, 10).join(', ')} and ${xs.length - 10} more` : xs.join(', '));
        const delta =
          [added.length ? `added ${list(added)}` : '', removed.length ? `removed ${list(removed)}` : ''].filter(Boolean).join('; ') ||
          'tool definitions changed';
        event(product, 'Normal', 'ToolsUpdated', `toolset ${previous.toolsetRevision} → ${next.toolsetRevision}: ${delta}`);
      }
    }
    if (!after || (before?.status === after.status && before.reason === after.reason)) return;
    if (after.status === 'True') event(product, 'Normal', 'Ready', after.message);
    else event(product, 'Warning', after.reason, after.message);
  }

  /** The runtime Service of a RagPipeline in the product's namespace (ragpipeline.ts names it), if the pipeline exists. */
  private ragService(namespace: string, pipeline: string): string | undefined {
    if (!this.deps.pipelines.store.get(makeKey(namespace, pipeline))) return undefined;
    return `${objectNames(pipeline).workload}.${namespace}.svc.cluster.local:${RAG_PORT}`;
  }

  /**
   * The console AI route of the agent's model on the product's gateway: the one its ModelPool (or
   * SemanticRouter) wrote with an EQUAL model predicate on that name, and the service of each upstream read
   * from the route's Ingress (`higress.io/destination`: `host:port`, or `W% host:port` lines in upstream order).
   */
  private modelRoute(namespace: string, spec: AgentProductSpec): ModelRoute | undefined {
    const m = spec.agent?.model;
    if (!m) return undefined;
    const gw = spec.gateway.namespace;
    const labels = ownerLabels(m.pool ? { kind: 'ModelPool', namespace, name: m.pool } : { kind: 'SemanticRouter', namespace, name: m.router ?? '' });
    const routes = this.deps.configMaps.store
      .list()
      .filter((cm) => cm.metadata.namespace === gw && cm.metadata.labels?.[CONFIG_MAP_TYPE_LABEL] === AI_ROUTE_CONFIG_MAP_TYPE)
      .filter((cm) => Object.entries(labels).every(([k, v]) => cm.metadata.labels?.[k] === v))
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    for (const cm of routes) {
      const route = parseAiRoute(cm as DataObject);
      if (!route?.upstreams?.length || !route.modelPredicates?.some((p) => p.matchType === 'EQUAL' && p.matchValue === m.name)) continue;
      const destination = this.deps.ingresses.store.get(makeKey(gw, aiRouteIngressName(route.name)))?.metadata.annotations?.['higress.io/destination'];
      const services = parseDestination(destination ?? '');
      if (services.length !== route.upstreams.length) return undefined;
      return { upstreams: route.upstreams, services: Object.fromEntries(route.upstreams.map((u, i) => [u.provider, services[i]!])) };
    }
    return undefined;
  }

  /** Products whose agent uses the model routes of this object's owner (a ModelPool's or SemanticRouter's route objects). */
  productsUsingModelOf(obj: KubeObject): string[] {
    const owner = ownerOf(obj);
    if (!owner || (owner.kind !== 'ModelPool' && owner.kind !== 'SemanticRouter')) return [];
    return this.deps.products.store
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === owner.namespace && (owner.kind === 'ModelPool' ? p.spec?.agent?.model?.pool : p.spec?.agent?.model?.router) === owner.name,
      )
      .map((p) => makeKey(p.metadata.namespace, p.metadata.name));
  }

  /** Products whose tools name this RagPipeline (it appeared or went away). */
  productsUsingPipeline(p: KubeObject): string[] {
    return this.deps.products.store
      .list()
      .filter((a) => a.metadata.namespace === p.metadata.namespace && (a.spec?.tools ?? []).some((t) => t.ragPipeline?.name === p.metadata.name))
      .map((a) => makeKey(a.metadata.namespace, a.metadata.name));
  }

  /** Apply owned objects, prune stale ones, merge shared rules; the first failure becomes the Applied reason. */
  private async applyRender(
    render: AgentRender,
    owner: OwnerRef,
    previous: AgentProductStatus | undefined,
  ): Promise<{ reason: string; message: string } | undefined> {
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

  /** Remove our rules, consumers and objects from every gateway the last status names, then the finalizer. */
  private async finalize(product: AgentProductObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(product)) return;
    const status = product.status;
    const served = this.deps.servedGatewayNamespace;
    const gateways = new Set(
      [product.spec?.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE, ...(status?.generatedObjects ?? []).map((o) => o.namespace)].filter(
        // Nothing was written to a gateway namespace we do not serve (and our rights may not reach it).
        (gw) => served === undefined || gw === served,
      ),
    );
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
      await this.mergeShared(gw, { name: plugin, rules: [], ownedRoutes: routes, template: existing, ...keyAuth }, false, true);
    }
    for (const rt of [Resources.Ingress, Resources.ConfigMap, Resources.WasmPlugin]) await pruneOwned(this.deps.client, rt, gw, owner, new Set());
  }
}

/** Services of a `higress.io/destination` annotation, in order: `host:port`, or `W% host:port` per line. Pure. */
export function parseDestination(value: string): ProviderService[] {
  return value
    .split('\n')
    .map((line) => line.trim().replace(/^\d+%\s+/, ''))
    .filter(Boolean)
    .map((hp) => {
      const at = hp.lastIndexOf(':');
      return at > 0 ? { name: hp.slice(0, at), port: Number(hp.slice(at + 1)) } : { name: hp, port: 80 };
    });
}

/** `message` with every Secret value replaced by `***`. Pure. */
export function redact(message: string, secrets: ReadonlySet<string>): string {
  let out = message;
  for (const v of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
  return out;
}

/** The route (Ingress) names a previous status recorded: their rules in shared plugins are ours. */
function previousRoutes(status: AgentProductStatus | undefined): string[] {
  return (status?.generatedObjects ?? []).filter((o) => o.kind === 'Ingress').map((o) => o.name);
}
