import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { INVALID_ROUTERS, VALID_ROUTER } from '../../../test/integration/semanticrouter-validation.cases.js';
import { semanticRouterSchema } from './semanticrouter.js';

/** zod path → the API server's notation: spec.flywheel.evaluator.model, spec.virtualModels[1] */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

describe('SemanticRouter zod schema mirrors the CRD validation table', () => {
  it('accepts the valid base router', () => {
    expect(semanticRouterSchema.safeParse(VALID_ROUTER).success).toBe(true);
  });

  it('has at least 20 invalid cases', () => expect(INVALID_ROUTERS.length).toBeGreaterThanOrEqual(20));

  it.each(INVALID_ROUTERS.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    const result = semanticRouterSchema.safeParse(c.object);
    expect(result.success).toBe(false);
    const issues = (result.error as z.ZodError).issues.map((i) => ({ path: fieldPath(i.path), message: i.message }));
    expect(issues).toEqual(expect.arrayContaining([{ path: c.zodPath ?? c.path, message: expect.stringContaining(c.zodMessage ?? c.message) }]));
  });
});
