import type { Logger } from 'pino';
import { agentProductCrd, agentProductSpecSchema, type AgentProduct, type AgentProductSpec } from '../api/v1alpha1/agentproduct.js';
import { AI_ROUTE_CONFIG_MAP_TYPE, aiRouteIngressName, parseAiRoute } from '../higress/console/ai-route.js';
import { CONFIG_MAP_TYPE_LABEL } from '../higress/console/meta.js';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import type { WasmPlugin } from '../higress/types.js';
import type { KubeClient } from '../kube/client.js';
import type { ReconcileResult } from '../kube/controller.js';
import { writeStatus } from '../kube/conditions.js';
import { isAlreadyExists } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type DataObject, type KubeObject } from '../kube/object.js';
import { ownerKeyFor, ownerLabels, ownerOf, type OwnerRef } from '../kube/owner.js';
import type { ReferencedObjects } from '../kube/referenced-objects.js';
import { customResource } from '../kube/resources.js';
import { renderAgentProduct, type AgentObserved, type ModelRoute, type SecretRef } from '../reconcilers/agentproduct.js';
import { agentProductStatus } from '../reconcilers/agentproduct-status.js';
import { referencesOf, type ReferenceKind } from '../reconcilers/agentproduct-references.js';
import { agentProductEvents, parseDestination, redact } from '../reconcilers/agentproduct-events.js';
import { tolerateStaleCache } from '../kube/stale-cache.js';
import { AgentGatewayWriter, previousRoutes } from './agentproduct-apply.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { objectNames, RAG_PORT } from '../reconcilers/ragpipeline.js';
import { DOCUMENT_REFRESH_MS, DOCUMENT_RETRY_MS, DocumentFetcher } from './agentproduct-documents.js';
import { requireListed, type EventSink } from './modelpool.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { byCodeUnit } from '../util/order.js';

/**
 * The AgentProduct controller, a thin shell: read the OpenAPI documents and Secrets the spec names, render
 * (pure, src/reconcilers/agentproduct.ts), apply the owned objects, merge our rules into the console's shared
 * WasmPlugins (agentproduct-gateway.ts), compute status (pure, agentproduct-status.ts) and write it. Secret
 * values go into the gateway objects only — never into logs, events or status.
 */

const KIND = 'AgentProduct';
export const agentProductResource = customResource(API_GROUP, API_VERSION, agentProductCrd.kind, agentProductCrd.plural);
export type AgentProductObject = AgentProduct & KubeObject;

export { parseDestination, redact } from '../reconcilers/agentproduct-events.js';

export { referencesOf, type ReferenceKind } from '../reconcilers/agentproduct-references.js';

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
  private readonly gateway: AgentGatewayWriter;

  constructor(private readonly deps: AgentProductControllerDeps) {
    this.fetcher = deps.fetcher ?? new DocumentFetcher();
    this.gateway = new AgentGatewayWriter(deps);
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
    // AlreadyExists: another product on the gateway created a shared console plugin first (its watch event
    // brings us back to merge into it).
    return tolerateStaleCache(this.deps.log, key, () => this.reconcileProduct(key), isAlreadyExists);
  }

  private async reconcileProduct(key: string): Promise<ReconcileResult | void> {
    const { client, products, secrets, documents } = this.deps;
    const product = products.store.get(key);
    if (!product) return;
    // Absence read from a cache that has not listed yet is not absence: after a restart or a leader change the agent's
    // model route would read as missing (a Ready product written not Ready, then Ready again) and a RagPipeline
    // tool's upstream as unknown.
    requireListed([this.deps.ingresses, this.deps.configMaps, this.deps.pipelines], 'the product');
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
      for (const e of agentProductEvents(previous, status)) this.deps.event?.(current, e.type, e.reason, e.message);
      await writeStatus(client, agentProductResource, current, status);
      return;
    }
    const notServed = gatewayNamespaceNotServed(parsed.data.gateway.namespace, this.deps.servedGatewayNamespace, 'product');
    if (notServed) {
      // Moved out of the gateway namespace we serve: what it held there goes, as on deletion (the namespace it names
      // now is another operator's, or nobody's).
      const served = this.deps.servedGatewayNamespace;
      const held = (previous?.generatedObjects ?? []).some((o) => o.namespace === served);
      if (served !== undefined && held) await this.gateway.leaveGateway(served, previous, owner);
      const left = held && previous ? { ...previous, generatedObjects: (previous.generatedObjects ?? []).filter((o) => o.namespace !== served) } : previous;
      const status = agentProductStatus({ generation, previous: left, notServed });
      for (const e of agentProductEvents(previous, status)) this.deps.event?.(current, e.type, e.reason, e.message);
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
        // By pipeline name, as the reconciler reads it: keyed by tool name, a tool named unlike its pipeline never resolved.
        ragServices: Object.fromEntries(
          spec.tools.flatMap((t) => (t.ragPipeline ? [[t.ragPipeline.name, this.ragService(namespace, t.ragPipeline.name)]] : [])),
        ),
        agentModel: this.modelRoute(namespace, spec),
        redisExists: refs.services[0] !== undefined ? this.deps.services.store.get(refs.services[0]) !== undefined : undefined,
        previous: { consumers: previous?.consumers ?? [], routes: previousRoutes(previous) },
      },
    );
    const failed = await this.gateway.apply(render, owner, previous);
    // An API server's rejection can quote the object it rejected, and our objects carry keys and tokens.
    const applyError = failed && { reason: failed.reason, message: redact(failed.message, secretValues) };
    const status = agentProductStatus({ generation, previous, render, ...(applyError ? { applyError } : {}) });
    for (const e of agentProductEvents(previous, status)) this.deps.event?.(current, e.type, e.reason, e.message);
    await writeStatus(client, agentProductResource, current, status);
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
      .sort((a, b) => byCodeUnit(a.metadata.name ?? '', b.metadata.name ?? ''));
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
    for (const gw of gateways) await this.gateway.leaveGateway(gw, status, owner);
    await removeFinalizer(this.deps.client, agentProductResource, product);
  }
}
