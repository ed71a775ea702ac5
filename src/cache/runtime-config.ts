import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { encoderUnavailable, openEmbedder } from '../embed/registry.js';
import type { Embedder } from '../embed/types.js';
import { errorMessage } from '../util/errors.js';
import { createLogger } from '../util/log.js';
import { CacheMiddleware } from './chat-middleware.js';
import { MemoryCacheStore } from './memory-store.js';
import { SemanticCache, type Price } from './semantic-cache.js';
import type { CacheStore } from './types.js';
import { Verifier, uncalibratedVerifier, verifierModelSchema } from './verifier.js';

// The router runtime's `cache` block (what a SemanticRouter's spec.cache renders to): credentials by
// env variable name, never inline, like the rest of the router config.

const log = createLogger('cache');

export const cacheRuntimeSchema = z.object({
  redis: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(6379),
      database: z.number().int().min(0).max(15).default(0),
      username: z.string().optional(),
      passwordEnv: z.string().optional(),
      keyPrefix: z.string().optional(),
    })
    .optional(),
  /** In-memory entry limit when there is no Redis. */
  maxEntries: z.number().int().positive().default(10_000),
  ttlSeconds: z.number().int().min(0).default(3600),
  delta: z.number().gt(0).max(0.5).default(0.03),
  semantic: z.boolean().default(true),
  embedding: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('onnx'), modelDir: z.string().optional() }),
      z.object({ kind: z.literal('openai'), baseUrl: z.string().url(), model: z.string().min(1), apiKeyEnv: z.string().optional() }),
      z.object({ kind: z.literal('hashing') }),
    ])
    .default({ kind: 'onnx' }),
  /** A verifier trained by `npm run bench:cache -- --save-verifier FILE`; without it the cache is uncalibrated. */
  verifierPath: z.string().optional(),
  /** Bearer token the /cache/ admin endpoints require (env variable name). */
  adminTokenEnv: z.string().optional(),
});
export type CacheRuntimeConfig = z.infer<typeof cacheRuntimeSchema>;

export async function openCache(
  config: CacheRuntimeConfig,
  opts: { env?: NodeJS.ProcessEnv; price?: (model: string) => Price | undefined } = {},
): Promise<CacheMiddleware> {
  const env = opts.env ?? process.env;
  const e = config.embedding;
  let embedder: Embedder;
  let semanticOff: string | undefined;
  try {
    embedder = await openEmbedder(
      e.kind === 'openai' ? { kind: 'openai', baseUrl: e.baseUrl, model: e.model, apiKey: e.apiKeyEnv ? env[e.apiKeyEnv] : undefined } : e,
    );
  } catch (err) {
    // A missing or unreadable model (no volume mounted, a wrong path) must not crash-loop the router: answers to
    // identical questions need no embedding, so the cache keeps serving those and says why it serves no more.
    const unavailable = encoderUnavailable(err);
    if (!unavailable) throw err;
    semanticOff = `${unavailable.reason}: ${unavailable.message}`;
    log.error({ reason: unavailable.reason, err: unavailable.message }, 'no sentence encoder: the cache answers identical questions only');
    embedder = await openEmbedder({ kind: 'hashing' });
  }
  let verifier: Verifier | undefined;
  if (config.verifierPath) {
    try {
      verifier = new Verifier(verifierModelSchema.parse(JSON.parse(readFileSync(config.verifierPath, 'utf8'))));
    } catch (err) {
      // Asked for a bound it cannot compute: serving similar questions at a guessed threshold would break the
      // promise delta makes, so only identical questions are answered until the file is fixed.
      semanticOff ??= `VerifierUnreadable: ${config.verifierPath}: ${errorMessage(err)}`;
      log.error({ path: config.verifierPath, err: errorMessage(err) }, 'verifier unreadable: the cache answers identical questions only');
    }
  }
  if (verifier) {
    if (verifier.model.embedder !== embedder.name)
      log.warn({ trained: verifier.model.embedder, using: embedder.name }, 'verifier was trained on another embedder');
    // On Quora pairs with MiniLM the calibration certifies nothing below δ ≈ 0.18 (docs/evaluation/cache.md):
    // say so (log and /status) rather than leave an operator wondering why no semantic hit is ever served.
    if (verifier.thresholdFor(config.delta) === Infinity) {
      const min = verifier.minCertifiableDelta();
      semanticOff ??= `DeltaNotCertifiable: delta ${config.delta} is below ${min.toFixed(3)}, the smallest the verifier's calibration can certify`;
      log.warn({ delta: config.delta, minCertifiableDelta: min }, 'delta is below what the verifier calibration can certify: only exact-match hits are served');
    }
  } else if (!config.verifierPath) {
    log.warn('no verifierPath: semantic hits use a fixed cosine 0.95 and delta is not enforced');
  }
  const calibrated = verifier !== undefined;
  verifier ??= uncalibratedVerifier(embedder.name);
  const cacheOver = (store: CacheStore) =>
    new SemanticCache({
      store,
      embedder,
      verifier,
      delta: config.delta,
      ttlSeconds: config.ttlSeconds,
      semantic: config.semantic,
      price: opts.price,
      calibrated,
      ...(semanticOff !== undefined ? { semanticOff } : {}),
    });
  if (config.redis) {
    // Imported here, not at the top: the operator loads this module for cacheRuntimeSchema (via src/router/config.ts)
    // and ioredis would add ~8 MB of heap to its import graph (docs/evaluation/operator.md, "Memory (this session)").
    const { RedisCacheStore } = await import('./redis-store.js');
    const r = config.redis;
    const redis = new RedisCacheStore({
      host: r.host,
      port: r.port,
      database: r.database,
      username: r.username,
      password: r.passwordEnv ? env[r.passwordEnv] : undefined,
      keyPrefix: r.keyPrefix,
    });
    const cache = cacheOver(redis);
    // After every (re)connection the index follows what Redis holds (empty after a Redis restart).
    redis.onReady(() => void cache.resync());
    await redis.ready().catch(() => log.warn('redis not reachable yet; cache serves misses until it is'));
    await cache.resync();
    return new CacheMiddleware(cache, config.adminTokenEnv ? env[config.adminTokenEnv] : undefined);
  }
  const cache = cacheOver(new MemoryCacheStore(config.maxEntries));
  return new CacheMiddleware(cache, config.adminTokenEnv ? env[config.adminTokenEnv] : undefined);
}
