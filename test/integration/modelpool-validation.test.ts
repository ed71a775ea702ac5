// Every invalid ModelPool in the shared table is rejected at admission by the real kube-apiserver with a
// cause naming the exact field and carrying the expected message (CRD schema + CEL from crds/).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { INVALID_POOLS, VALID_POOL } from './modelpool-validation.cases.js';
import { testKubeConfig, uniqueNamespace } from './support/kube.js';

interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

function causesOf(error: unknown): { code: number | undefined; causes: StatusCause[]; message: string } {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  const status = body as { message?: string; details?: { causes?: StatusCause[] } };
  return { code: error.code, causes: status.details?.causes ?? [], message: status.message ?? '' };
}

describe('ModelPool admission validation (real API server)', () => {
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  let namespace = '';
  const create = (body: Record<string, unknown>) =>
    api.createNamespacedCustomObject({ group: 'ai.higress.io', version: 'v1alpha1', namespace, plural: 'modelpools', body });

  beforeAll(async () => {
    namespace = await uniqueNamespace('mp-validation');
  });

  it('accepts the valid base pool and applies schema defaults', async () => {
    const created = (await create(VALID_POOL)) as { spec: { gateway: Record<string, unknown>; models: { weight: number }[] } };
    expect(created.spec.gateway).toEqual({ namespace: 'higress-system', ingressClassName: 'higress', path: '/' });
    expect(created.spec.models[0]!.weight).toBe(100);
  });

  it.each(INVALID_POOLS.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
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
