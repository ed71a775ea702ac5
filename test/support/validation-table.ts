import { expect, it } from '@jest/globals';
import type { z } from 'zod';

/**
 * One row of a kind's validation table (`test/integration/<kind>-validation.cases.ts`), used twice: against the
 * real API server (CRD schema + CEL, test/integration/support/admission.ts) and against the zod schema (here).
 * `path`/`message` are what the API server reports (a `details.causes[]` entry: `field` equals `path`, `message`
 * contains `message`); `zodPath`/`zodMessage` override where zod's wording of a built-in check differs.
 */
export interface InvalidCase {
  name: string;
  object: Record<string, unknown>;
  path: string;
  message: string;
  zodPath?: string;
  zodMessage?: string;
}

/** zod path → the API server's notation: `spec.models[0].provider.type`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** The zod half of a table: the valid object parses, every invalid one fails with its path and message. */
export function zodValidationTable(noun: string, schema: z.ZodType, valid: unknown, cases: readonly InvalidCase[]): void {
  it(`accepts the valid base ${noun}`, () => {
    expect(schema.safeParse(valid).success).toBe(true);
  });

  it('has at least 20 invalid cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    const result = schema.safeParse(c.object);
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => ({ path: fieldPath(i.path), message: i.message }));
    expect(issues).toEqual(expect.arrayContaining([{ path: c.zodPath ?? c.path, message: expect.stringContaining(c.zodMessage ?? c.message) }]));
  });
}
