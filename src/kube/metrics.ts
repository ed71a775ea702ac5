import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

/**
 * Get-or-create metrics on one registry: several controllers (and jest module re-evaluation) may ask
 * for the same metric, and prom-client throws on duplicate registration.
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[], registry: Registry = register): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[], registry: Registry = register): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
  registry: Registry = register,
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}
