// Every invalid SemanticRouter in the shared table is rejected at admission by the real kube-apiserver with
// a cause naming the exact field and carrying the expected message (CRD schema + CEL from crds/).
import { describe, expect } from '@jest/globals';
import { INVALID_ROUTERS, VALID_ROUTER } from './semanticrouter-validation.cases.js';
import { admissionValidationTable } from './support/admission.js';

describe('SemanticRouter admission validation (real API server)', () => {
  admissionValidationTable({
    plural: 'semanticrouters',
    namespace: 'sr-validation',
    noun: 'router',
    valid: VALID_ROUTER,
    defaults: (created) =>
      expect(created.spec).toMatchObject({ virtualModels: ['auto'], objective: { preset: 'balanced' }, replicas: 1, statusPollSeconds: 30 }),
    cases: INVALID_ROUTERS,
  });
});
