import type { z } from 'zod';
import { checkHigressObject } from './higress/index.js';
import { ISTIO_CONTRACTS } from './istio/index.js';
import { KUBERNETES_CONTRACTS, runtimeConfigMapSchema, runtimeOfConfigMap } from './kubernetes/index.js';

/**
 * Every object the operator generates, checked against the contract of its kind: Higress's (higress/),
 * Istio's fallback EnvoyFilter (istio/), the built-in workload kinds and our runtimes' ConfigMaps
 * (kubernetes/). See docs/contracts.md.
 */

export interface ObjectVerdict {
  /** Which contract claimed the object. */
  contract: string;
  /** `path: message`, empty when the object conforms. */
  issues: string[];
}

const zodIssues = (error: z.ZodError | undefined) => (error ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) : []);
const withSchema = (contract: string, schema: z.ZodType, o: unknown): ObjectVerdict => ({ contract, issues: zodIssues(schema.safeParse(o).error) });

const BY_KIND: Record<string, z.ZodType> = { ...KUBERNETES_CONTRACTS.kinds, ...ISTIO_CONTRACTS.kinds };

/** The verdict for one generated object; undefined when no contract claims it (a kind we do not emit). */
export function checkGeneratedObject(o: unknown): ObjectVerdict | undefined {
  const t = o as { apiVersion?: unknown; kind?: unknown; data?: Record<string, string> } | undefined;
  const kind = `${String(t?.apiVersion)}/${String(t?.kind)}`;
  const higress = checkHigressObject(o);
  if (higress) return { contract: `Higress ${String(t?.kind)}`, issues: higress.map((i) => `${i.path}: ${i.message}`) };
  const schema = BY_KIND[kind];
  if (schema) return withSchema(kind, schema, o);
  if (kind === 'v1/ConfigMap') {
    const runtime = runtimeOfConfigMap(t?.data);
    if (runtime) return withSchema(`${runtime} runtime ConfigMap`, runtimeConfigMapSchema(runtime), o);
  }
  return undefined;
}
