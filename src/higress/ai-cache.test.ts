import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cacheSpecSchema, type CacheSpecInputType } from '../api/v1alpha1/cache.js';
import { expectGolden } from '../../test/support/golden.js';
import { buildAiCachePlugin, cacheSecretNames, renderAiCacheRule } from './ai-cache.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');

const golden = (name: string, value: unknown): void => expectGolden(GOLDEN_DIR, name, stringify(value, { lineWidth: 0 }));

const secrets: Record<string, Record<string, string>> = {
  'redis-auth': { password: 'redis-secret' },
  'qdrant-auth': { apiKey: 'qdrant-secret' },
  'embed-auth': { apiKey: 'sk-embed' },
};
const lookup = (ref: { name: string; key: string }): string | undefined => secrets[ref.name]?.[ref.key];
const ingresses = ['aiop-team-a-chat-gpt-4o', 'aiop-team-a-chat-qwen-max'];

const semantic: CacheSpecInputType = {
  redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'redis-auth', key: 'password' } },
  vector: {
    type: 'qdrant',
    service: 'qdrant.dns',
    port: 6333,
    collection: 'llm-cache',
    apiKeySecretRef: { name: 'qdrant-auth', key: 'apiKey' },
    threshold: 0.92,
    thresholdRelation: 'gte',
  },
  embedding: { type: 'openai', service: 'embeddings.dns', model: 'text-embedding-3-small', apiKeySecretRef: { name: 'embed-auth', key: 'apiKey' } },
  ttlSeconds: 600,
  keyStrategy: 'allQuestions',
};

describe('ai-cache rule (golden; UPDATE_GOLDEN=1 to rewrite)', () => {
  it('semantic cache with Redis, qdrant and an OpenAI embedding, secrets resolved', () => {
    const r = renderAiCacheRule(cacheSpecSchema.parse(semantic), ingresses, lookup);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    golden('ai-cache-semantic', buildAiCachePlugin('aiop-ai-cache', 'higress-system', [r.rule], { 'app.kubernetes.io/managed-by': 'higress-ai-operator' }));
    // The plugin's default would be computed before its providers exist (higress #3880): always explicit.
    expect(r.rule.config.enableSemanticCache).toBe(true);
  });

  it('exact-match cache: no vector or embedding block, enableSemanticCache false', () => {
    const r = renderAiCacheRule(cacheSpecSchema.parse({ redis: { service: 'redis.static', port: 80 }, semantic: false, ttlSeconds: 0 }), ingresses, lookup);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    golden('ai-cache-exact', r.rule);
    expect(r.rule.config).not.toHaveProperty('vector');
    expect(r.rule.config.enableSemanticCache).toBe(false);
  });

  it.each([
    [{ semantic: true, embedding: semantic.embedding }, 'CacheRedisMissing', 'spec.cache.redis is required'],
    [{ redis: semantic.redis }, 'CacheVectorStoreMissing', 'spec.cache.vector is required while spec.cache.semantic is true'],
    [
      { ...semantic, redis: { service: 'r.dns', passwordSecretRef: { name: 'absent', key: 'password' } } },
      'CacheSecretMissing',
      'spec.cache.redis.passwordSecretRef: Secret absent has no non-empty key password',
    ],
  ])('%o → %s', (spec, reason, message) => {
    const r = renderAiCacheRule(cacheSpecSchema.parse(spec), ingresses, lookup);
    expect(r).toMatchObject({ ok: false, reason });
    if (!r.ok) expect(r.message).toContain(message);
  });

  it('never puts a secret value in a failure message', () => {
    const r = renderAiCacheRule(
      cacheSpecSchema.parse({ ...semantic, embedding: { ...semantic.embedding, apiKeySecretRef: { name: 'embed-auth', key: 'nope' } } }),
      ingresses,
      lookup,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) for (const v of ['redis-secret', 'qdrant-secret', 'sk-embed']) expect(r.message).not.toContain(v);
  });

  it('lists the Secrets the controller must watch', () => {
    expect(cacheSecretNames(cacheSpecSchema.parse(semantic))).toEqual(['embed-auth', 'qdrant-auth', 'redis-auth']);
  });

  it('cross-field rules hold in process as in CEL', () => {
    const noEmbedding = cacheSpecSchema.safeParse({ redis: semantic.redis, vector: semantic.vector });
    expect(noEmbedding.success).toBe(false);
    expect(noEmbedding.error?.issues[0]).toMatchObject({
      path: ['embedding'],
      message: 'vector needs embedding: the vector store is searched with question embeddings',
    });
  });
});
