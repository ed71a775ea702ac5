// Every invalid ModelPool in the shared table is rejected at admission by the real kube-apiserver with a
// cause naming the exact field and carrying the expected message (CRD schema + CEL from crds/).
import { describe, expect } from '@jest/globals';
import { INVALID_POOLS, VALID_POOL } from './modelpool-validation.cases.js';
import { admissionValidationTable } from './support/admission.js';

describe('ModelPool admission validation (real API server)', () => {
  admissionValidationTable({
    plural: 'modelpools',
    namespace: 'mp-validation',
    noun: 'pool',
    valid: VALID_POOL,
    defaults: (created) => {
      const spec = created.spec as { gateway: Record<string, unknown>; models: { weight: number }[] };
      expect(spec.gateway).toEqual({ namespace: 'higress-system', ingressClassName: 'higress', path: '/' });
      expect(spec.models[0]!.weight).toBe(100);
    },
    cases: INVALID_POOLS,
  });
});
