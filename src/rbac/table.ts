// The one table of what the operator may do in a cluster. config/rbac/ and the Helm chart's RBAC are rendered
// from it (hack/gen-rbac.ts; src/rbac/render.test.ts fails when they are stale), and the integration suite runs
// the operator under exactly these rules (test/integration/support/kube.ts operatorKubeConfig), so a missing row
// shows up as a Forbidden condition in a test, and a row nobody needs is one someone has to justify here.
import { ragPipelineResource, modelPoolResource } from '../controllers/resources.js';
import { Resources, customResource, type ResourceType } from '../kube/resources.js';

// The RagPipeline runtime's kinds, as src/controllers/ragpipeline.ts names them. Not imported from there: the
// test harness and the generator load this table and should not pull in the controllers' module graph.
const Deployments = customResource('apps', 'v1', 'Deployment', 'deployments');
const PersistentVolumeClaims = customResource('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims');

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/**
 * Where a grant applies:
 * - `cluster`: every namespace (ClusterRole + ClusterRoleBinding) — our own kinds, and what they reference or
 *   render in their own namespace;
 * - `higress`: only the Higress namespace (Role + RoleBinding there) — the gateway objects we generate;
 * - `gateway`: reads of gateway kinds, where the informers list and watch them: with `cluster` while the operator
 *   watches every namespace (the default), with `higress` when it serves only HIGRESS_NAMESPACE
 *   (`--higress-namespace-only`, the chart's `higress.watchNamespaceOnly`; render.ts `Placement`);
 * - `operator`: only the operator's own namespace (Role + RoleBinding) — its leader-election Lease.
 */
export type Scope = 'cluster' | 'higress' | 'gateway' | 'operator';

export interface Grant {
  /** Which controller (or kit part) needs it; several rows may name the same resource. */
  readonly controller: string;
  readonly resource: ResourceType;
  /** `status` / `finalizers` subresource, or the resource itself. */
  readonly subresource?: 'status' | 'finalizers';
  readonly verbs: readonly Verb[];
  readonly scope: Scope;
  /** Why the operator needs it — rendered as a comment next to the rule. */
  readonly why: string;
  /**
   * Set while the kind does not exist on main yet: such rows are not rendered (we never grant a kind that does
   * not exist). The integrator deletes `pending` when the kind's CRD merges; render.test.ts fails if a pending
   * row names a kind that has a CRD, or an enabled row names an ai.higress.io kind that has none.
   */
  readonly pending?: string;
}

const READ: readonly Verb[] = ['get', 'list', 'watch'];
const WRITE: readonly Verb[] = ['create', 'update', 'patch', 'delete'];

/**
 * Rows for one of our kinds: watch it, patch its finalizer, write its status; with `ownerReferences`, also the
 * `finalizers` subresource, which the OwnerReferencesPermissionEnforcement admission plugin (on in the harness)
 * requires of whoever sets blockOwnerDeletion on an object owned by this kind.
 */
function ownKind(controller: string, resource: ResourceType, opts: { ownerReferences?: boolean; pending?: string; finalizer?: string } = {}): Grant[] {
  const p = opts.pending ? { pending: opts.pending } : {};
  const rows: Grant[] = [
    // patch: finalizers are added and removed with a merge patch on the object (src/kube/finalizers.ts).
    {
      controller,
      resource,
      verbs: [...READ, 'patch'],
      scope: 'cluster',
      why: `watch ${resource.kind}s, ${opts.finalizer ?? 'add/remove our finalizer'}`,
      ...p,
    },
    // update: src/kube/conditions.ts writes status with PUT on the status subresource.
    { controller, resource, subresource: 'status', verbs: ['update'], scope: 'cluster', why: 'write conditions and observed state', ...p },
  ];
  if (opts.ownerReferences) {
    rows.push({
      controller,
      resource,
      subresource: 'finalizers',
      verbs: ['update'],
      scope: 'cluster',
      why: 'generated objects carry ownerReferences with blockOwnerDeletion',
      ...p,
    });
  }
  return rows;
}

/** A gateway kind a controller watches and writes: read where the informers watch, written only in the Higress namespace. */
function gatewayReadWrite(controller: string, resource: ResourceType, why: { read: string; write: string }): Grant[] {
  return [
    { controller, resource, verbs: READ, scope: 'gateway', why: why.read },
    { controller, resource, verbs: WRITE, scope: 'higress', why: why.write },
  ];
}

/** An object a controller generates next to its own object (its workload), read and written in any namespace. */
const workload = (controller: string, resource: ResourceType, why: string): Grant => ({
  controller,
  resource,
  verbs: [...READ, ...WRITE],
  scope: 'cluster',
  why,
});

/** Kinds other engineers are adding; their rows stay unrendered until the CRD is on main. */
const pendingKind = (kind: string, plural: string): ResourceType => ({ ...ragPipelineResource, kind, plural });
const SemanticRouter = customResource('ai.higress.io', 'v1alpha1', 'SemanticRouter', 'semanticrouters');
const AgentProduct = customResource('ai.higress.io', 'v1alpha1', 'AgentProduct', 'agentproducts');
const HiMarketConnection = pendingKind('HiMarketConnection', 'himarketconnections');

export const RBAC_TABLE: readonly Grant[] = [
  // --- ModelPool (src/controllers/modelpool.ts) ---
  // No finalizer of its own (ADR 0008): patch removes the one operator versions before it added.
  ...ownKind('modelpool', modelPoolResource, { finalizer: 'remove the finalizer older operator versions added' }),
  {
    controller: 'modelpool',
    resource: Resources.Secret,
    verbs: READ,
    scope: 'cluster',
    why: 'provider API keys referenced by credentials.secretRef (read-only)',
  },
  // Gateway objects: read where the informers watch (scope `gateway`), written only in the Higress namespace.
  ...gatewayReadWrite('modelpool', Resources.Ingress, {
    read: 'informer over our labelled Ingresses',
    write: 'one x-higress-llm-model route per model (+ fallback routes)',
  }),
  ...gatewayReadWrite('modelpool', Resources.WasmPlugin, {
    read: 'informer over the console plugins we hold entries in (ai-proxy.internal, model-router.internal, …)',
    write: 'our providers and rules in the console WasmPlugins',
  }),
  {
    controller: 'modelpool',
    resource: Resources.McpBridge,
    verbs: READ,
    scope: 'gateway',
    why: 'informer over McpBridge/default (read-merge-write of its registries)',
  },
  // No delete: McpBridge/default belongs to the Higress install; we only merge our registries into it.
  {
    controller: 'modelpool',
    resource: Resources.McpBridge,
    verbs: ['create', 'update', 'patch'],
    scope: 'higress',
    why: 'our registries in McpBridge/default',
  },
  ...gatewayReadWrite('modelpool', Resources.EnvoyFilter, { read: 'informer over our fallback EnvoyFilters', write: 'fallback-chain redirect patches' }),
  {
    controller: 'modelpool',
    resource: Resources.ConfigMap,
    verbs: [...READ, ...WRITE],
    scope: 'higress',
    why: 'console AI routes (ai-route-<n>) and their domain-<d> ConfigMaps',
  },
  // list/watch: the ops-runtime branch watches each Higress CRD by name (fieldSelector) to recover the moment it is
  // installed; granted ahead of that merge so the ServiceAccount-run tests keep passing once it lands.
  {
    controller: 'modelpool',
    resource: Resources.CustomResourceDefinition,
    verbs: READ,
    scope: 'cluster',
    why: 'tell "Higress not installed" (a condition) from a failure; notice the CRDs appear',
  },

  // --- RagPipeline (src/controllers/ragpipeline.ts): the runtime lives in the pipeline's own namespace ---
  ...ownKind('ragpipeline', ragPipelineResource, { ownerReferences: true }),
  workload('ragpipeline', Deployments, 'the RAG runtime Deployment'),
  workload('ragpipeline', Resources.ConfigMap, 'the rendered runtime config; the source and eval ConfigMaps its pods mount (read, one watch each)'),
  workload('ragpipeline', Resources.Service, 'the runtime Service'),
  workload('ragpipeline', PersistentVolumeClaims, 'the index store volume; the source and encoder claims its pods mount (read, one watch each)'),
  { controller: 'ragpipeline', resource: Resources.Ingress, verbs: WRITE, scope: 'higress', why: 'the MCP endpoint on the gateway (console form)' },
  {
    controller: 'ragpipeline',
    resource: Resources.Secret,
    verbs: READ,
    scope: 'cluster',
    why: 'the Milvus credentials Secret its pods read (store.milvus.secretRef): that it and its keys exist (read-only, one watch each)',
  },

  // --- SemanticRouter (src/controllers/semanticrouter.ts): the router in its own namespace, console forms on the gateway ---
  ...ownKind('semanticrouter', SemanticRouter, { ownerReferences: true }),
  workload('semanticrouter', Deployments, 'the router Deployment'),
  workload('semanticrouter', Resources.ConfigMap, 'the router config document; console AI-route ConfigMaps in the Higress namespace'),
  workload('semanticrouter', Resources.Service, 'the router Service'),
  workload('semanticrouter', PersistentVolumeClaims, 'flywheel store and model versions; the cache encoder claim its pods mount (read, one watch each)'),
  {
    controller: 'semanticrouter',
    resource: Resources.Secret,
    verbs: READ,
    scope: 'cluster',
    why: 'Secrets its pods read (flywheel Postgres, cache Redis password and embedding key): that they and their keys exist (read-only, one watch each)',
  },
  {
    controller: 'semanticrouter',
    resource: Resources.Ingress,
    verbs: WRITE,
    scope: 'higress',
    why: 'console AI route per virtual model (ai-route-<n>.internal)',
  },
  {
    controller: 'semanticrouter',
    resource: Resources.McpBridge,
    verbs: ['create', 'update', 'patch'],
    scope: 'higress',
    why: 'the router registry in McpBridge/default',
  },
  {
    controller: 'semanticrouter',
    resource: Resources.WasmPlugin,
    verbs: ['get', 'create', 'update'],
    scope: 'higress',
    why: "the router provider entry in ai-proxy.internal; its routes' rules in ai-statistics-2.0.1, key-auth.internal, model-router.internal (created when the console has not)",
  },

  // --- HiMarket (src/controllers/himarket-*.ts): connections; spec.publish on ModelPool, SemanticRouter and AgentProduct
  // (status, annotation, finalizer) rides on those kinds' own rows (ownKind: patch + status update) ---
  ...ownKind('himarketconnection', HiMarketConnection),

  // --- controller kit (src/kube/) ---
  {
    controller: 'kit',
    resource: Resources.Event,
    verbs: ['get', 'create', 'patch'],
    scope: 'cluster',
    why: 'Events on our objects (src/kube/events.ts: create, then patch the count; get reads the count of an Event a previous process wrote under the same name)',
  },
  { controller: 'kit', resource: Resources.Lease, verbs: ['get', 'create', 'update'], scope: 'operator', why: 'leader election (src/kube/leader.ts)' },

  // --- AgentProduct (src/controllers/agentproduct.ts): console MCP servers, agent route, key-auth consumers ---
  ...ownKind('agentproduct', AgentProduct),
  // get/list/watch by name only (ReferencedObjects: one field-selected watch per referenced Secret).
  {
    controller: 'agentproduct',
    resource: ragPipelineResource,
    verbs: READ,
    scope: 'cluster',
    why: 'tools[].ragPipeline: the pipeline exists, so its runtime Service is the MCP upstream',
  },
  {
    controller: 'agentproduct',
    resource: Resources.Service,
    verbs: READ,
    scope: 'cluster',
    why: 'access.redis.service exists (token limits count there); watched by name only',
  },
  {
    controller: 'agentproduct',
    resource: Resources.Secret,
    verbs: READ,
    scope: 'cluster',
    why: 'consumer keys, OpenAPI credentials, Redis password named by the product (read-only)',
  },
  {
    controller: 'agentproduct',
    resource: Resources.ConfigMap,
    verbs: READ,
    scope: 'cluster',
    why: 'OpenAPI documents named by tools[].openapi.configMap; informer over our labelled ConfigMaps',
  },
  {
    controller: 'agentproduct',
    resource: Resources.ConfigMap,
    verbs: WRITE,
    scope: 'higress',
    why: 'console AI-route ConfigMap of the agent endpoint (ai-route-<r>)',
  },
  ...gatewayReadWrite('agentproduct', Resources.Ingress, {
    read: 'informer over our labelled Ingresses',
    write: 'mcp-server-<n>.internal and the agent AI route',
  }),
  ...gatewayReadWrite('agentproduct', Resources.WasmPlugin, {
    read: 'informer over the console plugins we hold rules in (mcp-server.internal, key-auth.internal, ai-agent-<v>)',
    write: 'our rules/consumers in the console plugins; our ai-token-ratelimit plugin',
  }),
];
