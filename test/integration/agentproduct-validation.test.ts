// AgentProduct validation in its two layers, on the real kube-apiserver: every invalid spec of the shared
// table is rejected at admission (CRD schema + CEL from crds/) with a cause naming the exact field; the
// specs admission cannot judge (the OpenAPI document's content, Secrets, referenced objects) are accepted
// and the controller's Ready condition names the field, and the JSON pointer into the document, at fault.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentProductResource, type AgentProductObject } from '../../src/controllers/agentproduct.js';
import { KubeClient } from '../../src/kube/client.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { INVALID_PRODUCTS, STATUS_CASES, VALID_PRODUCT } from './agentproduct-validation.cases.js';
import { admissionValidationTable } from './support/admission.js';
import { gatewayNamespace, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

describe('AgentProduct admission validation (real API server)', () => {
  admissionValidationTable({
    plural: 'agentproducts',
    namespace: 'ap-validation',
    noun: 'product',
    valid: VALID_PRODUCT,
    defaults: (created) => {
      const spec = created.spec as { gateway: Record<string, unknown>; agent: Record<string, unknown> };
      expect(spec.gateway).toEqual({ namespace: 'higress-system', ingressClassName: 'higress' });
      expect(spec.agent).toMatchObject({ maxIterations: 15, maxExecutionTimeSeconds: 50, maxTokens: 1000, language: 'EN' });
    },
    cases: INVALID_PRODUCTS,
  });

  it('has at least 20 invalid cases', () => expect(INVALID_PRODUCTS.length).toBeGreaterThanOrEqual(20));
});

describe('AgentProduct specs only the controller can judge: Ready names the field (real API server)', () => {
  const client = KubeClient.fromKubeConfig(testKubeConfig());
  let operator: Operator;
  let ns = '';
  let gw = '';

  beforeAll(async () => {
    operator = await startOperator({ kubeConfig: operatorKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'warn') });
    await operator.synced;
    ns = await uniqueNamespace('ap-status');
    gw = await gatewayNamespace('ap-status-gw');
    // All at once: the cases converge in parallel, each test then only waits for its own product.
    for (const c of STATUS_CASES) {
      for (const [name, data] of Object.entries(c.configMaps ?? {}))
        await client.create(Resources.ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
      const spec = { ...c.spec, gateway: { namespace: gw } };
      await client.create(agentProductResource, {
        apiVersion: 'ai.higress.io/v1alpha1',
        kind: 'AgentProduct',
        metadata: { name: c.product, namespace: ns },
        spec,
      } as unknown as AgentProductObject);
    }
  }, 60_000);
  afterAll(async () => {
    await operator.stop();
  });

  it.each(STATUS_CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const ready = await waitFor(
        async () => {
          const p = await client.get<AgentProductObject>(agentProductResource, c.product, ns);
          const r = p?.status?.conditions?.find((x) => x.type === 'Ready');
          return r?.observedGeneration === p?.metadata.generation && r?.status === 'False' && r?.reason !== 'Pending' ? r : undefined;
        },
        { timeoutMs: 30_000, description: `AgentProduct ${c.product} Ready=False` },
      );
      expect(ready.reason).toBe(c.reason);
      for (const m of c.message) expect(ready.message).toContain(m);
    },
    40_000,
  );
});
