// The two ways to install the operator — `helm install charts/higress-ai-operator` and `kubectl apply -k
// config/default` — rendered by the real tools (helm and kubectl built from their pinned Go modules,
// hack/ensure-tools.sh) and compared on what matters: CRDs, RBAC rules, the Deployment's pod, the metrics Service,
// NetworkPolicy and PodDisruptionBudget. `helm lint --strict` checks the chart and values.schema.json.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { ensureClientTools, runTool, type ClientTools } from '../../hack/lib/control-plane-tools.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}
interface Container {
  name: string;
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  [field: string]: unknown;
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: unknown[];
}

const CHART = 'charts/higress-ai-operator';
const NAMESPACE = 'higress-ai-operator-system';
let tools: ClientTools;

function docs(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function ok(run: { status: number | null; stdout: string; stderr: string }): string {
  if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr.slice(-3000)}`);
  return run.stdout;
}

const helmTemplate = (...set: string[]) =>
  docs(ok(runTool(tools.helm, ['template', 'higress-ai-operator', CHART, '-n', NAMESPACE, '--include-crds', ...set.flatMap((s) => ['--set', s])])));
const kustomize = (dir: string) => docs(ok(runTool(tools.kubectl, ['kustomize', dir])));

const one = (objs: Obj[], kind: string, namespace?: string) => {
  const found = objs.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  expect({ kind, namespace, count: found.length }).toEqual({ kind, namespace, count: 1 });
  return found[0]!;
};
const podOf = (objs: Obj[]) => (one(objs, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: PodSpec } } }).spec;
/** The parts of a pod that decide how it runs (labels and the image tag may legitimately differ). */
function podEssentials(objs: Obj[]) {
  const spec = podOf(objs);
  const pod = spec.template.spec;
  const c = pod.containers[0]!;
  const { image: _image, ...container } = c;
  return { replicas: spec.replicas, serviceAccountName: pod.serviceAccountName, securityContext: pod.securityContext, volumes: pod.volumes, container };
}

beforeAll(async () => {
  tools = await ensureClientTools((l) => (/building|built|failed/.test(l) ? process.stderr.write(`${l}\n`) : undefined));
}, 30 * 60_000);

describe('Helm chart and kustomize config', () => {
  it('helm lint --strict passes, and values.schema.json rejects unsafe values', () => {
    ok(runTool(tools.helm, ['lint', '--strict', CHART]));
    const rootless = runTool(tools.helm, ['lint', CHART, '--set', 'podSecurityContext.runAsNonRoot=false']);
    expect(rootless.status).not.toBe(0);
    expect(rootless.stdout + rootless.stderr).toMatch(/runAsNonRoot/);
    const typo = runTool(tools.helm, ['lint', CHART, '--set', 'replicas=2']);
    expect(typo.status).not.toBe(0);
  });

  it('renders the same CRDs, RBAC rules, pod, Service, NetworkPolicy and PodDisruptionBudget', () => {
    const chart = helmTemplate();
    const kust = kustomize('config/default');
    const kinds = (objs: Obj[]) =>
      objs
        .map((o) => o.kind)
        .filter((k) => k !== 'Namespace')
        .sort();
    expect(kinds(chart)).toEqual(kinds(kust));

    const crds = (objs: Obj[]) => objs.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.spec);
    expect(crds(chart)).toEqual(crds(kust));
    expect(crds(chart).length).toBeGreaterThan(0);

    const rules = (objs: Obj[], kind: string, namespace?: string) => one(objs, kind, namespace).rules;
    expect(rules(chart, 'ClusterRole')).toEqual(rules(kust, 'ClusterRole'));
    expect(rules(chart, 'Role', 'higress-system')).toEqual(rules(kust, 'Role', 'higress-system'));
    expect(rules(chart, 'Role', NAMESPACE)).toEqual(rules(kust, 'Role', NAMESPACE));
    for (const objs of [chart, kust]) {
      const sa = one(objs, 'ServiceAccount');
      for (const b of objs.filter((o) => o.kind.endsWith('Binding'))) {
        expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NAMESPACE }]);
      }
    }

    expect(podEssentials(chart)).toEqual(podEssentials(kust));
    const spec = (objs: Obj[], kind: string) => {
      const { selector: _s, podSelector: _p, ...rest } = one(objs, kind).spec as Record<string, unknown>;
      return rest;
    };
    for (const kind of ['Service', 'NetworkPolicy', 'PodDisruptionBudget']) expect(spec(chart, kind)).toEqual(spec(kust, kind));
  });

  it('runs under the restricted Pod Security Standard, 2 replicas, probes and ports as the operator serves them', () => {
    const { replicas, securityContext, container } = podEssentials(helmTemplate());
    expect(replicas).toBe(2);
    expect(securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container).toMatchObject({
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      ports: [
        { name: 'metrics', containerPort: 8080 },
        { name: 'health', containerPort: 8081 },
      ],
      livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
    });
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'HIGRESS_NAMESPACE', value: 'higress-system' }]));
  });

  it('follows higress.namespace with both the gateway Role and HIGRESS_NAMESPACE; ServiceMonitor on request', () => {
    const objs = helmTemplate('higress.namespace=gateway-two', 'metrics.serviceMonitor.enabled=true');
    expect(one(objs, 'Role', 'gateway-two').metadata.name).toBe('higress-ai-operator-gateway');
    expect(one(objs, 'RoleBinding', 'gateway-two').metadata.name).toBe('higress-ai-operator-gateway');
    expect(podOf(objs).template.spec.containers[0]!.env).toEqual(expect.arrayContaining([{ name: 'HIGRESS_NAMESPACE', value: 'gateway-two' }]));
    const chartMonitor = one(objs, 'ServiceMonitor').spec as { endpoints: unknown };
    const kustMonitor = one(kustomize('config/manager/monitor'), 'ServiceMonitor').spec as { endpoints: unknown };
    expect(chartMonitor.endpoints).toEqual(kustMonitor.endpoints);
    expect(helmTemplate().some((o) => o.kind === 'ServiceMonitor')).toBe(false);
  });
});
