import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { INVALID_PRODUCTS, VALID_PRODUCT } from '../../../test/integration/agentproduct-validation.cases.js';
import { agentProductSchema } from './agentproduct.js';

/** zod path → the API server's notation: spec.tools[0].openapi.operations */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

describe('AgentProduct zod schema mirrors the CRD validation table', () => {
  it('accepts the valid base product', () => {
    expect(agentProductSchema.safeParse(VALID_PRODUCT).success).toBe(true);
  });

  it('has at least 20 invalid cases', () => expect(INVALID_PRODUCTS.length).toBeGreaterThanOrEqual(20));

  it.each(INVALID_PRODUCTS.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    const result = agentProductSchema.safeParse(c.object);
    expect(result.success).toBe(false);
    const issues = (result.error as z.ZodError).issues.map((i) => ({ path: fieldPath(i.path), message: i.message }));
    expect(issues).toEqual(expect.arrayContaining([{ path: c.zodPath ?? c.path, message: expect.stringContaining(c.zodMessage ?? c.message) }]));
  });
});
