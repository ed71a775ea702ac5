// AgentProduct validation in its two layers, on the real kube-apiserver: every invalid spec of the shared
// table is rejected at admission (CRD schema + CEL from crds/) with a cause naming the exact field; the
// specs admission cannot judge (the OpenAPI document's content, Secrets, referenced objects) are accepted
// and the controller's Ready condition names the field, and the JSON pointer into the document, at fault.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { agentProductResource, type AgentProductObject } from '../../src/controllers/agentproduct.js';
import { KubeClient } from '../../src/kube/client.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { INVALID_PRODUCTS, STATUS_CASES, VALID_PRODUCT } from './agentproduct-validation.cases.js';
import { gatewayNamespace, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

interface StatusCause {
  field?: string;
  message?: string;
}

function causesOf(error: unknown): { code: number | undefined; causes: StatusCause[] } {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return { code: error.code, causes: (body as { details?: { causes?: StatusCause[] } }).details?.causes ?? [] };
}

describe('AgentProduct admission validation (real API server)', () => {
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  let namespace = '';
  const create = (body: Record<string, unknown>) =>
    api.createNamespacedCustomObject({ group: 'ai.higress.io', version: 'v1alpha1', namespace, plural: 'agentproducts', body });

  beforeAll(async () => {
    namespace = await uniqueNamespace('ap-validation');
  });

  it('accepts the valid base product and applies schema defaults', async () => {
    const created = (await create(VALID_PRODUCT)) as { spec: { gateway: Record<string, unknown>; agent: Record<string, unknown> } };
    expect(created.spec.gateway).toEqual({ namespace: 'higress-system', ingressClassName: 'higress' });
    expect(created.spec.agent).toMatchObject({ maxIterations: 15, maxExecutionTimeSeconds: 50, maxTokens: 1000, language: 'EN' });
  });

  it('has at least 20 invalid cases', () => expect(INVALID_PRODUCTS.length).toBeGreaterThanOrEqual(20));

  it.each(INVALID_PRODUCTS.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    let failure: ReturnType<typeof causesOf> | undefined;
    try {
      await create(c.object);
    } catch (error) {
      failure = causesOf(error);
    }
    expect(failure).toBeDefined();
    expect(failure!.code).toBe(422);
    const causes = failure!.causes.map((x) => ({ field: x.field ?? '', message: x.message ?? '' }));
    expect(causes).toEqual(expect.arrayContaining([{ field: c.path, message: expect.stringContaining(c.message) }]));
  });
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
