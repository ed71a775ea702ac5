import { describe } from '@jest/globals';
import { INVALID_PRODUCTS, VALID_PRODUCT } from '../../../test/integration/agentproduct-validation.cases.js';
import { zodValidationTable } from '../../../test/support/validation-table.js';
import { agentProductSchema } from './agentproduct.js';

describe('AgentProduct zod schema mirrors the CRD validation table', () => {
  zodValidationTable('product', agentProductSchema, VALID_PRODUCT, INVALID_PRODUCTS);
});
