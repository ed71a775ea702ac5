import { beforeAll, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import type { InvalidCase } from '../../support/validation-table.js';
import { testKubeConfig, uniqueNamespace } from './kube.js';

interface StatusCause {
  field?: string;
  message?: string;
}

function causesOf(error: unknown): { code: number | undefined; causes: StatusCause[] } {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return { code: error.code, causes: (body as { details?: { causes?: StatusCause[] } }).details?.causes ?? [] };
}

export interface AdmissionTable {
  /** e.g. `modelpools`. */
  plural: string;
  /** Prefix of the test namespace. */
  namespace: string;
  noun: string;
  valid: Record<string, unknown>;
  /** Checks on the valid object as the API server stored it (schema defaults). */
  defaults: (created: { spec: Record<string, unknown> }) => void;
  cases: readonly InvalidCase[];
}

/**
 * The API-server half of a validation table, inside a `describe`: the valid object is admitted with its
 * defaults, and every invalid one is refused with 422 and a cause naming the exact field and message.
 */
export function admissionValidationTable(t: AdmissionTable): void {
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  let namespace = '';
  const create = (body: Record<string, unknown>) =>
    api.createNamespacedCustomObject({ group: 'ai.higress.io', version: 'v1alpha1', namespace, plural: t.plural, body });

  beforeAll(async () => {
    namespace = await uniqueNamespace(t.namespace);
  });

  it(`accepts the valid base ${t.noun} and applies schema defaults`, async () => {
    t.defaults((await create(t.valid)) as { spec: Record<string, unknown> });
  });

  it.each(t.cases.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
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
}
