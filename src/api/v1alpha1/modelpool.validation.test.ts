import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { INVALID_POOLS, VALID_POOL } from '../../../test/integration/modelpool-validation.cases.js';
import { modelPoolSchema } from './modelpool.js';

/** zod path → the API server's notation: spec.models[0].provider.type */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

describe('ModelPool zod schema mirrors the CRD validation table', () => {
  it('accepts the valid base pool', () => {
    expect(modelPoolSchema.safeParse(VALID_POOL).success).toBe(true);
  });

  it('has at least 20 invalid cases', () => expect(INVALID_POOLS.length).toBeGreaterThanOrEqual(20));

  it.each(INVALID_POOLS.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    const result = modelPoolSchema.safeParse(c.object);
    expect(result.success).toBe(false);
    const issues = (result.error as z.ZodError).issues.map((i) => ({ path: fieldPath(i.path), message: i.message }));
    const wantPath = c.zodPath ?? c.path;
    const wantMessage = c.zodMessage ?? c.message;
    expect(issues).toEqual(expect.arrayContaining([{ path: wantPath, message: expect.stringContaining(wantMessage) }]));
  });
});
