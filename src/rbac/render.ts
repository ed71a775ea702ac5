// Renders RBAC_TABLE into Kubernetes RBAC objects: one ClusterRole (scope `cluster`), one Role in the Higress
// namespace (`higress`) and one in the operator's namespace (`operator`), each bound to the operator's
// ServiceAccount. Rules are merged (same API group and verbs ⇒ one rule) and sorted, so the output is stable.
import { RBAC_TABLE, type Grant, type Scope, type Verb } from './table.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: Verb[];
  /** Why each resource in the rule is granted (not part of the Kubernetes object; rendered as a comment). */
  why: string[];
}

const VERB_ORDER: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** Scopes that become a role; `gateway` rows join `cluster` or `higress` (see {@link Placement}). */
export type RoleScope = Exclude<Scope, 'gateway'>;
export const SCOPES: readonly RoleScope[] = ['cluster', 'higress', 'operator'];

/** How the operator is configured: where its `gateway` read rows are granted. */
export interface Placement {
  /** The operator watches gateway kinds only in HIGRESS_NAMESPACE (`--higress-namespace-only`). */
  higressNamespaceOnly: boolean;
}
export const CLUSTER_WIDE: Placement = { higressNamespaceOnly: false };
export const HIGRESS_NAMESPACE_ONLY: Placement = { higressNamespaceOnly: true };

/** The role that carries the `gateway` rows under `placement`. */
export function gatewayReadScope(placement: Placement): RoleScope {
  return placement.higressNamespaceOnly ? 'higress' : 'cluster';
}

function resourceName(g: Grant): string {
  return g.subresource ? `${g.resource.plural}/${g.subresource}` : g.resource.plural;
}

/** The rows that are rendered: everything not marked `pending`. */
export function activeGrants(table: readonly Grant[] = RBAC_TABLE): Grant[] {
  return table.filter((g) => g.pending === undefined);
}

/**
 * Merged, sorted rules of one scope. With a `placement`, `scope` is a role's and the `gateway` rows are placed
 * into it as configured; without, rows are matched by their own scope (the chart's per-scope rule files).
 */
export function rulesFor(scope: Scope, table: readonly Grant[] = RBAC_TABLE, placement?: Placement): PolicyRule[] {
  if (placement) {
    // Appended, not merged: the chart appends files/rbac/gateway-rules.yaml the same way, so config/rbac and the
    // chart render identical rule lists.
    return [...rulesFor(scope, table), ...(gatewayReadScope(placement) === scope ? rulesFor('gateway', table) : [])];
  }
  // (group, resource) → verbs and reasons, over every controller that needs it.
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<Verb>; why: Set<string> }>();
  for (const g of activeGrants(table)) {
    if (g.scope !== scope) continue;
    const resource = resourceName(g);
    const key = `${g.resource.group}\u0000${resource}`;
    const entry = byResource.get(key) ?? { group: g.resource.group, resource, verbs: new Set<Verb>(), why: new Set<string>() };
    g.verbs.forEach((v) => entry.verbs.add(v));
    entry.why.add(`${resource}: ${g.why}`);
    byResource.set(key, entry);
  }
  // Resources of one group with the same verbs share a rule.
  const rules = new Map<string, PolicyRule>();
  for (const e of byResource.values()) {
    const verbs = VERB_ORDER.filter((v) => e.verbs.has(v));
    const key = `${e.group}\u0000${verbs.join(',')}`;
    const rule = rules.get(key) ?? { apiGroups: [e.group], resources: [], verbs, why: [] };
    rule.resources.push(e.resource);
    rule.why.push(...e.why);
    rules.set(key, rule);
  }
  const sorted = [...rules.values()].map((r) => ({ ...r, resources: [...r.resources].sort(), why: [...r.why].sort() }));
  return sorted.sort((a, b) => `${a.apiGroups[0]}/${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}/${b.resources[0]}`));
}

/** A flow-style YAML list of plain scalars (`""` for the core group). */
function flow(items: readonly string[]): string {
  return `[${items.map((i) => (i === '' ? '""' : i)).join(', ')}]`;
}

/** Rules as YAML list items, each preceded by its reasons as comments; `indent` spaces before each line. */
export function rulesYaml(rules: readonly PolicyRule[], indent = 0): string {
  const pad = ' '.repeat(indent);
  return rules
    .map((r) =>
      [...r.why.map((w) => `# ${w}`), `- apiGroups: ${flow(r.apiGroups)}`, `  resources: ${flow(r.resources)}`, `  verbs: ${flow(r.verbs)}`]
        .map((line) => pad + line)
        .join('\n'),
    )
    .join('\n')
    .concat('\n');
}

export interface RbacNames {
  /** ServiceAccount and ClusterRole name. */
  name: string;
  /** The operator's namespace (ServiceAccount, leader-election Role). */
  namespace: string;
  /** Where the gateway objects are written. */
  higressNamespace: string;
}

export const DEFAULT_RBAC_NAMES: RbacNames = {
  name: 'higress-ai-operator',
  namespace: 'higress-ai-operator-system',
  higressNamespace: DEFAULT_HIGRESS_NAMESPACE,
};

export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

const RBAC_API = 'rbac.authorization.k8s.io/v1';

/** Name and namespace of the Role (or ClusterRole) for a scope. */
export function roleFor(scope: RoleScope, names: RbacNames): { kind: 'ClusterRole' | 'Role'; name: string; namespace?: string } {
  if (scope === 'cluster') return { kind: 'ClusterRole', name: names.name };
  if (scope === 'higress') return { kind: 'Role', name: `${names.name}-gateway`, namespace: names.higressNamespace };
  return { kind: 'Role', name: `${names.name}-leader-election`, namespace: names.namespace };
}

/** ServiceAccount, roles and bindings as objects (the harness applies these; the files are rendered from them). */
export function rbacObjects(names: RbacNames = DEFAULT_RBAC_NAMES, table: readonly Grant[] = RBAC_TABLE, placement: Placement = CLUSTER_WIDE): RbacObject[] {
  const subject = { kind: 'ServiceAccount', name: names.name, namespace: names.namespace };
  const out: RbacObject[] = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: names.name, namespace: names.namespace } }];
  for (const scope of SCOPES) {
    const role = roleFor(scope, names);
    const metadata = { name: role.name, ...(role.namespace ? { namespace: role.namespace } : {}) };
    const rules = rulesFor(scope, table, placement).map(({ why: _why, ...rule }) => rule);
    out.push({ apiVersion: RBAC_API, kind: role.kind, metadata, rules });
    out.push({
      apiVersion: RBAC_API,
      kind: `${role.kind}Binding`,
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
      subjects: [subject],
    });
  }
  return out;
}
