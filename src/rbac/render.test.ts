import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_GROUP, CRDS } from '../api/v1alpha1/index.js';
import { Deployments, PersistentVolumeClaims } from '../controllers/ragpipeline.js';
import { renderRbacFiles } from './files.js';
import { HIGRESS_NAMESPACE_ONLY, SCOPES, activeGrants, rbacObjects, rulesFor } from './render.js';
import { RBAC_TABLE } from './table.js';

const ROOT = join(import.meta.dirname, '../..');
const ALL_RULES = SCOPES.flatMap((scope) => rulesFor(scope).map((rule) => ({ scope, ...rule })));
/** What the operator generates for the gateway: writable in the Higress namespace only. */
const GATEWAY_GROUPS = new Set(['extensions.higress.io', 'networking.higress.io', 'networking.istio.io', 'networking.k8s.io']);
const WRITE_VERBS = ['create', 'update', 'patch', 'delete'];

describe('RBAC table', () => {
  it('config/rbac, the chart rule files and the chart CRDs match the table (run `npx tsx hack/gen-rbac.ts`)', () => {
    for (const [path, text] of Object.entries(renderRbacFiles())) {
      expect({ path, text: readFileSync(join(ROOT, path), 'utf8') }).toEqual({ path, text });
    }
  });

  it('grants no wildcard verb, resource or API group', () => {
    for (const r of ALL_RULES) {
      expect([...r.verbs, ...r.resources, ...r.apiGroups].filter((x) => x.includes('*'))).toEqual([]);
    }
  });

  it('reads Secrets and never writes them', () => {
    const secretRules = ALL_RULES.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(secretRules.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'watch']);
  });

  it('writes gateway objects only in the Higress namespace', () => {
    const gatewayWrites = ALL_RULES.filter((r) => GATEWAY_GROUPS.has(r.apiGroups[0]!) && r.verbs.some((v) => WRITE_VERBS.includes(v)));
    expect(gatewayWrites.map((r) => r.scope)).toEqual(gatewayWrites.map(() => 'higress'));
    expect(gatewayWrites.length).toBeGreaterThan(0);
  });

  it('grants every served kind, and no kind that has no CRD yet', () => {
    const served = new Set(CRDS.map((c) => c.plural));
    const ours = activeGrants().filter((g) => g.resource.group === API_GROUP);
    expect([...new Set(ours.map((g) => g.resource.plural))].sort()).toEqual([...served].sort());
    // A pending row whose kind has merged must be enabled by deleting `pending` (and reviewing what it touches).
    const pendingButServed = RBAC_TABLE.filter((g) => g.pending !== undefined && served.has(g.resource.plural));
    expect(pendingButServed.map((g) => g.resource.kind)).toEqual([]);
  });

  it('names the RagPipeline runtime kinds exactly as the controller does', () => {
    for (const rt of [Deployments, PersistentVolumeClaims]) {
      expect(RBAC_TABLE.some((g) => JSON.stringify(g.resource) === JSON.stringify(rt))).toBe(true);
    }
  });

  it('with the operator scoped to HIGRESS_NAMESPACE, gateway kinds are read only there', () => {
    const objects = rbacObjects(undefined, undefined, HIGRESS_NAMESPACE_ONLY);
    const resourcesOf = (o: (typeof objects)[number] | undefined) => ((o?.rules ?? []) as { resources: string[] }[]).flatMap((r) => r.resources);
    const gatewayKinds = ['ingresses', 'wasmplugins', 'mcpbridges', 'envoyfilters'];
    expect(resourcesOf(objects.find((o) => o.kind === 'ClusterRole')).filter((r) => gatewayKinds.includes(r))).toEqual([]);
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'higress-system');
    const reads = ((role?.rules ?? []) as { resources: string[]; verbs: string[] }[]).filter((r) => r.verbs.includes('list') && r.verbs.includes('watch'));
    expect(gatewayKinds.filter((k) => !reads.some((r) => r.resources.includes(k)))).toEqual([]);
  });

  it('binds every role to the one ServiceAccount', () => {
    const objects = rbacObjects();
    const bindings = objects.filter((o) => o.kind.endsWith('Binding'));
    expect(bindings).toHaveLength(3);
    for (const b of bindings) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'higress-ai-operator', namespace: 'higress-ai-operator-system' }]);
    }
    expect(objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'higress-system')?.metadata.name).toBe('higress-ai-operator-gateway');
  });
});
