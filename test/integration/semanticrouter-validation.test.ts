// Every invalid SemanticRouter in the shared table is rejected at admission by the real kube-apiserver with
// a cause naming the exact field and carrying the expected message (CRD schema + CEL from crds/).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { INVALID_ROUTERS, VALID_ROUTER } from './semanticrouter-validation.cases.js';
import { testKubeConfig, uniqueNamespace } from './support/kube.js';

interface StatusCause {
  field?: string;
  message?: string;
}

function causesOf(error: unknown): { code: number | undefined; causes: StatusCause[] } {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return { code: error.code, causes: (body as { details?: { causes?: StatusCause[] } }).details?.causes ?? [] };
}

describe('SemanticRouter admission validation (real API server)', () => {
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  let namespace = '';
  const create = (body: Record<string, unknown>) =>
    api.createNamespacedCustomObject({ group: 'ai.higress.io', version: 'v1alpha1', namespace, plural: 'semanticrouters', body });

  beforeAll(async () => {
    namespace = await uniqueNamespace('sr-validation');
  });

  it('accepts the valid base router and applies schema defaults', async () => {
    const created = (await create(VALID_ROUTER)) as { spec: Record<string, unknown> };
    expect(created.spec).toMatchObject({ virtualModels: ['auto'], objective: { preset: 'balanced' }, replicas: 1, statusPollSeconds: 30 });
  });

  it.each(INVALID_ROUTERS.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
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
