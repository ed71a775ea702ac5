import { Counter, Gauge } from 'prom-client';
import type { CacheStats } from '../../cache/semantic-cache.js';
import type { RouterStatus } from '../status.js';
import type { RouterMetrics } from './metrics.js';

// What the router reports of its semantic cache: the `cache` block of /status (the operator turns it into
// SemanticRouter status) and Prometheus metrics. The cache keeps the counts; both read them when asked.

export function cacheStatus(s: CacheStats): NonNullable<RouterStatus['cache']> {
  return {
    lookups: s.lookups,
    exactHits: s.exactHits,
    semanticHits: s.semanticHits,
    wrongHitEstimate: s.wrongHitEstimate,
    tokensSaved: s.tokensSaved,
    usdSaved: s.usdSaved,
    entries: s.entries,
    storeUp: s.storeUp,
    delta: s.delta,
    semantic: s.semantic,
    ...(s.semanticOff !== undefined ? { semanticOff: s.semanticOff } : {}),
    calibrated: s.calibrated,
    embedder: s.embedder,
  };
}

/** Registers the cache's metrics on the router's registry, read from the cache at scrape time. */
export function registerCacheMetrics(metrics: Pick<RouterMetrics, 'registry'>, cache: { stats(): CacheStats }): void {
  const registers = [metrics.registry];
  new Counter({
    name: 'router_cache_lookups_total',
    help: 'Cache lookups by result: exact_hit (identical question), semantic_hit (a verified similar one) or miss',
    labelNames: ['result'],
    registers,
    collect() {
      const s = cache.stats();
      this.reset();
      this.inc({ result: 'exact_hit' }, s.exactHits);
      this.inc({ result: 'semantic_hit' }, s.semanticHits);
      this.inc({ result: 'miss' }, s.misses);
    },
  });
  const counter = (name: string, help: string, value: (s: CacheStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(cache.stats()));
      },
    });
  counter(
    'router_cache_wrong_hits_estimated_total',
    "Sum over served similar-question hits of the verifier's calibrated probability that the hit was wrong",
    (s) => s.wrongHitEstimate,
  );
  counter('router_cache_tokens_saved_total', 'Prompt and completion tokens answered from the cache instead of a model', (s) => s.tokensSaved);
  counter('router_cache_usd_saved_total', 'USD the cached answers would have cost at the pool prices', (s) => s.usdSaved);
  counter('router_cache_store_errors_total', 'Cache store operations that failed (Redis unreachable)', (s) => s.storeErrors);
  const gauge = (name: string, help: string, value: (s: CacheStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(cache.stats()));
      },
    });
  gauge('router_cache_entries', 'Entries the cache holds (indexed in this replica)', (s) => s.entries);
  gauge('router_cache_store_up', '1 while the cache store answers, 0 after a failed operation until one succeeds', (s) => (s.storeUp ? 1 : 0));
  gauge('router_cache_semantic', '1 when similar questions are looked up, 0 when only identical ones are (see /status cache.semanticOff)', (s) =>
    s.semantic ? 1 : 0,
  );
}
