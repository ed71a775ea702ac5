import type { CacheSpec } from '../api/v1alpha1/cache.js';
import { buildWasmPlugin } from './wasmplugin.js';
import type { PluginImageOptions } from './plugins.js';
import type { MatchRule, RuleOf, WasmPlugin } from './types.js';
import type { AiCacheConfig } from '../contracts/higress/index.js';

// The Higress `ai-cache` plugin rule for a ModelPool's routes. Every key below is read by
// alibaba/higress plugins/wasm-go/extensions/ai-cache (commit 4e0d691):
//   config/config.go      enableSemanticCache, cacheKeyStrategy, cache/vector/embedding blocks
//   cache/provider.go     cache.{type, serviceName, servicePort, username, password, timeout, cacheTTL, cacheKeyPrefix, database}
//   vector/provider.go    vector.{type, serviceName, servicePort, apiKey, topK, timeout, collectionID, threshold, thresholdRelation}
//   embedding/provider.go embedding.{type, serviceName, servicePort, timeout, model, apiKey}
// Written explicitly even where the plugin has a default: `enableSemanticCache` (its default is
// computed before the providers exist — higress issue #3880), `servicePort` (80 for `.static`
// services otherwise), `threshold`/`thresholdRelation` (the default 1000/lt makes every distance a hit).

export type SecretLookup = (ref: { name: string; key: string }) => string | undefined;

export type AiCacheOutcome =
  | { ok: true; rule: RuleOf<AiCacheConfig>; semantic: boolean }
  | { ok: false; reason: 'CacheRedisMissing' | 'CacheVectorStoreMissing' | 'CacheEmbeddingMissing' | 'CacheSecretMissing'; message: string };

/** Secret names `spec.cache` references (the controller watches and reads them). */
export function cacheSecretNames(cache: CacheSpec | undefined): string[] {
  if (!cache) return [];
  const refs = [cache.redis?.passwordSecretRef, cache.vector?.apiKeySecretRef, cache.embedding?.apiKeySecretRef];
  return [...new Set(refs.filter((r): r is { name: string; key: string } => r !== undefined).map((r) => r.name))].sort();
}

/**
 * The pool's ai-cache match rule on its Ingresses, or the precise reason it cannot be built. Secret
 * values go into the rule config (that is where the plugin reads them) and nowhere else.
 */
export function renderAiCacheRule(cache: CacheSpec, ingresses: readonly string[], secret: SecretLookup): AiCacheOutcome {
  const semantic = cache.semantic ?? true;
  if (!cache.redis) {
    return { ok: false, reason: 'CacheRedisMissing', message: 'spec.cache.redis is required: the ai-cache plugin stores answers only in Redis' };
  }
  if (semantic && !cache.vector) {
    return {
      ok: false,
      reason: 'CacheVectorStoreMissing',
      message:
        'spec.cache.vector is required while spec.cache.semantic is true (the plugin searches similar questions in a vector store); set semantic: false for exact-match caching',
    };
  }
  if (semantic && !cache.embedding) {
    return { ok: false, reason: 'CacheEmbeddingMissing', message: 'spec.cache.embedding is required while spec.cache.semantic is true' };
  }
  const resolve = (ref: { name: string; key: string } | undefined, field: string): { ok: true; value?: string } | { ok: false; message: string } => {
    if (!ref) return { ok: true };
    const value = secret(ref)?.trim();
    if (!value) return { ok: false, message: `${field}: Secret ${ref.name} has no non-empty key ${ref.key}` };
    return { ok: true, value };
  };
  const password = resolve(cache.redis.passwordSecretRef, 'spec.cache.redis.passwordSecretRef');
  const vectorKey = resolve(semantic ? cache.vector?.apiKeySecretRef : undefined, 'spec.cache.vector.apiKeySecretRef');
  const embeddingKey = resolve(semantic ? cache.embedding?.apiKeySecretRef : undefined, 'spec.cache.embedding.apiKeySecretRef');
  for (const r of [password, vectorKey, embeddingKey]) if (!r.ok) return { ok: false, reason: 'CacheSecretMissing', message: r.message };

  const redis = cache.redis;
  const config: AiCacheConfig = {
    cache: {
      type: 'redis',
      serviceName: redis.service,
      servicePort: redis.port,
      database: redis.database,
      timeout: redis.timeoutMs,
      cacheTTL: cache.ttlSeconds,
      ...(cache.keyPrefix ? { cacheKeyPrefix: cache.keyPrefix } : {}),
      ...(redis.username ? { username: redis.username } : {}),
      ...(password.ok && password.value ? { password: password.value } : {}),
    },
    cacheKeyStrategy: cache.keyStrategy ?? 'lastQuestion',
    enableSemanticCache: semantic,
  };
  if (semantic && cache.vector && cache.embedding) {
    const v = cache.vector;
    config.vector = {
      type: v.type,
      serviceName: v.service,
      servicePort: v.port,
      collectionID: v.collection,
      topK: v.topK,
      timeout: v.timeoutMs,
      threshold: v.threshold,
      thresholdRelation: v.thresholdRelation,
      ...(vectorKey.ok && vectorKey.value ? { apiKey: vectorKey.value } : {}),
    };
    const e = cache.embedding;
    config.embedding = {
      type: e.type,
      serviceName: e.service,
      timeout: e.timeoutMs,
      ...(e.port !== undefined ? { servicePort: e.port } : {}),
      ...(e.model ? { model: e.model } : {}),
      ...(embeddingKey.ok && embeddingKey.value ? { apiKey: embeddingKey.value } : {}),
    };
  }
  return { ok: true, semantic, rule: { ingress: [...ingresses].sort(), configDisable: false, config } };
}

/** One aggregated ai-cache WasmPlugin per gateway namespace (ADR 0003), inert outside its rules. */
export function buildAiCachePlugin(
  name: string,
  namespace: string,
  rules: readonly MatchRule[],
  labels: Record<string, string>,
  image?: PluginImageOptions,
): WasmPlugin {
  return buildWasmPlugin({ plugin: 'ai-cache', metadata: { name, namespace, labels }, image, matchRules: rules });
}
