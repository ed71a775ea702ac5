import { readFileSync, statSync } from 'node:fs';
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
  opts: {
    env?: NodeJS.ProcessEnv;
    price?: (model: string) => Price | undefined;
    /** How often the verifier file is checked for a new version (a ConfigMap update the kubelet swapped in). */
    verifierPollMs?: number;
  } = {},
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
  // Stamped before it is read: a swap between the two is seen by the first poll (and read again, harmlessly).
  const verifierStamp = config.verifierPath ? fileStamp(config.verifierPath) : '';
  const judged = config.verifierPath ? readVerifier(config.verifierPath, config.delta, embedder.name) : undefined;
  if (!judged) log.warn('no verifierPath: semantic hits use a fixed cosine 0.95 and delta is not enforced');
  const verifier = judged?.verifier ?? uncalibratedVerifier(embedder.name);
  const cacheOver = (store: CacheStore) => {
    const cache = new SemanticCache({
      store,
      embedder,
      verifier,
      delta: config.delta,
      ttlSeconds: config.ttlSeconds,
      semantic: config.semantic,
      price: opts.price,
      calibrated: judged?.calibrated ?? false,
      ...(semanticOff !== undefined ? { semanticOff } : {}),
    });
    if (judged?.off) cache.setVerifier(verifier, judged.calibrated, judged.off);
    if (config.verifierPath) watchVerifier(cache, config.verifierPath, config.delta, embedder.name, opts.verifierPollMs ?? 10_000, verifierStamp);
    return cache;
  };
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
    return new CacheMiddleware(cache, config.adminTokenEnv ? (env[config.adminTokenEnv] ?? '') : undefined);
  }
  const cache = cacheOver(new MemoryCacheStore(config.maxEntries));
  return new CacheMiddleware(cache, config.adminTokenEnv ? (env[config.adminTokenEnv] ?? '') : undefined);
}

interface Judged {
  verifier: Verifier;
  /** The file was read: delta means what it says (or, with `off`, nothing similar is served). */
  calibrated: boolean;
  /** Why no similar question is served with it. */
  off?: string | undefined;
}

/**
 * The verifier file a SemanticRouter's spec.cache.verifier mounts. Asked for a bound it cannot compute, the cache
 * serves identical questions only (`off`) rather than similar ones at a guessed threshold.
 */
function readVerifier(path: string, delta: number, embedder: string): Judged {
  let verifier: Verifier;
  try {
    verifier = new Verifier(verifierModelSchema.parse(JSON.parse(readFileSync(path, 'utf8'))));
  } catch (err) {
    log.error({ path, err: errorMessage(err) }, 'verifier unreadable: the cache answers identical questions only');
    return { verifier: uncalibratedVerifier(embedder), calibrated: false, off: `VerifierUnreadable: ${path}: ${errorMessage(err)}` };
  }
  if (verifier.model.embedder !== embedder) log.warn({ trained: verifier.model.embedder, using: embedder }, 'verifier was trained on another embedder');
  // On Quora pairs with MiniLM the calibration certifies nothing below δ ≈ 0.18 (docs/evaluation/cache.md):
  // say so (log and /status) rather than leave an operator wondering why no semantic hit is ever served.
  if (verifier.thresholdFor(delta) === Infinity) {
    const min = verifier.minCertifiableDelta();
    log.warn({ delta, minCertifiableDelta: min }, 'delta is below what the verifier calibration can certify: only exact-match hits are served');
    return {
      verifier,
      calibrated: true,
      off: `DeltaNotCertifiable: delta ${delta} is below ${min.toFixed(3)}, the smallest the verifier's calibration can certify`,
    };
  }
  return { verifier, calibrated: true };
}

/** What tells a file's versions apart without reading it: inode, mtime and size ('' while it does not exist). */
function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return '';
  }
}

/**
 * Follows the verifier file: the kubelet swaps a changed ConfigMap into the mount (a new inode behind the same
 * path), so a recalibrated verifier takes effect without restarting the router. Polling `stat` sees the swap where
 * an inotify watch on the path's old inode would not. Compared with the stamp of what was loaded, not with the
 * previous poll (fs.watchFile's baseline is its own first stat: a swap before it was never noticed).
 */
function watchVerifier(cache: SemanticCache, path: string, delta: number, embedder: string, intervalMs: number, loaded: string): void {
  let seen = loaded;
  const timer = setInterval(() => {
    const now = fileStamp(path);
    if (now === seen) return;
    seen = now;
    const judged = readVerifier(path, delta, embedder);
    cache.setVerifier(judged.verifier, judged.calibrated, judged.off);
    log.info({ path, calibrated: judged.calibrated, off: judged.off }, 'verifier file changed: reloaded');
  }, intervalMs);
  timer.unref();
  cache.onClose(() => clearInterval(timer));
}
