// Issue 7, "errors of generated objects on the owner": an object the real API server refuses shows on the
// pool as `status.generatedObjects[].error` with the server's reason, and Ready is False (the bug Envoy AI
// Gateway users hit in their #2120). The refusal comes from a ValidatingAdmissionPolicy that denies every
// Ingress in one gateway namespace, so nothing else in the shared API server is affected.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources, type ResourceType } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { gatewayNamespace, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { twoModelPool } from './support/pools.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
const admission = (kind: string, plural: string): ResourceType => ({ group: 'admissionregistration.k8s.io', version: 'v1', kind, plural, namespaced: false });
const Policies = admission('ValidatingAdmissionPolicy', 'validatingadmissionpolicies');
const Bindings = admission('ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings');
const DENIED = 'denied by the test policy';

let operator: Operator;
let policy = '';

beforeAll(async () => {
  operator = await startOperator({ kubeConfig: operatorKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'warn') });
  await operator.synced;
});
afterAll(async () => {
  await operator.stop();
  if (policy) {
    await client.delete(Bindings, policy);
    await client.delete(Policies, policy);
  }
});

/** Deny every Ingress write in `gw` (reason Invalid, so the API server answers 422 like a schema error). */
async function denyIngresses(gw: string): Promise<void> {
  policy = `deny-ingress-${gw}`;
  await client.create<KubeObject>(Policies, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: policy },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': gw } },
        resourceRules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }],
      },
      validations: [{ expression: 'false', message: DENIED, reason: 'Invalid' }],
    },
  } as KubeObject);
  await client.create<KubeObject>(Bindings, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policy },
    spec: { policyName: policy, validationActions: ['Deny'] },
  } as KubeObject);
  // The policy takes effect once the API server has compiled it: probe with a dry-run create.
  const probe = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'probe', namespace: gw },
    spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'x', port: { number: 80 } } } }] } }] },
  } as KubeObject;
  await waitFor(
    async () => {
      try {
        await client.create(Resources.Ingress, probe, { dryRun: true });
        return false;
      } catch (err) {
        return String(err).includes(DENIED);
      }
    },
    { timeoutMs: 20_000, description: 'the admission policy to deny Ingresses' },
  );
}

describe('an object the API server rejects', () => {
  it('is listed with its error on status.generatedObjects, and Ready is False', async () => {
    const ns = await uniqueNamespace('rejected');
    const gw = await gatewayNamespace('rejected-gw');
    await denyIngresses(gw);
    await client.create(Resources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k', namespace: ns },
      stringData: { token: 'sk-rejected' },
    } as KubeObject);
    await client.create(modelPoolResource, twoModelPool('pool', ns, gw));

    const p = await waitFor(
      async () => {
        const got = await client.get<ModelPoolObject>(modelPoolResource, 'pool', ns);
        return got?.status?.generatedObjects?.some((o) => o.kind === 'Ingress' && o.error) ? got : undefined;
      },
      { timeoutMs: 60_000, description: 'an Ingress error on the pool status' },
    );
    const ingresses = p.status!.generatedObjects!.filter((o) => o.kind === 'Ingress');
    expect(ingresses.length).toBeGreaterThan(0);
    for (const o of ingresses) expect(o.error).toContain(DENIED);
    const ready = p.status!.conditions!.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False' });
    expect(ready!.message).toContain(DENIED);

    await client.delete(modelPoolResource, 'pool', ns);
    await waitFor(async () => !(await client.get(modelPoolResource, 'pool', ns)), { timeoutMs: 60_000, description: 'the pool to be deleted' });
  }, 120_000);
});
