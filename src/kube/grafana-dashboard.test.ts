import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, register } from 'prom-client';
import type { CacheStats } from '../cache/semantic-cache.js';
import { registerCacheMetrics } from '../router/serve/cache-observe.js';
import { createRouterMetrics } from '../router/serve/metrics.js';
import './client.js';
import './controller.js';
import './metrics.js';

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '../../config/grafana/higress-ai-operator.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

/** Metric names in a PromQL expression: identifiers directly followed by a selector or range. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\s*(?=\{|\[)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));
}

describe('config/grafana dashboard', () => {
  it('queries only metrics the operator and the router register', async () => {
    if (!register.getSingleMetric('process_resident_memory_bytes')) collectDefaultMetrics({ register });
    const router = createRouterMetrics();
    const zero = { lookups: 0, exactHits: 0, semanticHits: 0, misses: 0, verifierRejections: 0, uncovered: 0, storeErrors: 0, stored: 0, invalidated: 0 };
    const stats: CacheStats = {
      ...zero,
      ...{ entries: 0, wrongHitEstimate: 0, tokensSaved: 0, usdSaved: 0, storeUp: true, threshold: 0.95, delta: 0.03 },
      ...{ semantic: true, calibrated: true, embedder: 'onnx:test' },
    };
    registerCacheMetrics(router, { stats: () => stats });
    const known = new Set([...(await register.getMetricsAsJSON()).map((m) => m.name), ...(await router.registry.getMetricsAsJSON()).map((m) => m.name)]);
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr)));
    expect(new Set(used).size).toBeGreaterThanOrEqual(15);
    expect(used.filter((n) => !known.has(n))).toEqual([]);
  });
});
