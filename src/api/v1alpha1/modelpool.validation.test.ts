import { describe } from '@jest/globals';
import { INVALID_POOLS, VALID_POOL } from '../../../test/integration/modelpool-validation.cases.js';
import { zodValidationTable } from '../../../test/support/validation-table.js';
import { modelPoolSchema } from './modelpool.js';

describe('ModelPool zod schema mirrors the CRD validation table', () => {
  zodValidationTable('pool', modelPoolSchema, VALID_POOL, INVALID_POOLS);
});
