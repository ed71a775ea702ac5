import { describe } from '@jest/globals';
import { INVALID_ROUTERS, VALID_ROUTER } from '../../../test/integration/semanticrouter-validation.cases.js';
import { zodValidationTable } from '../../../test/support/validation-table.js';
import { semanticRouterSchema } from './semanticrouter.js';

describe('SemanticRouter zod schema mirrors the CRD validation table', () => {
  zodValidationTable('router', semanticRouterSchema, VALID_ROUTER, INVALID_ROUTERS);
});
