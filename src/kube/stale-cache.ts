import type { Logger } from 'pino';
import { isConflict, isNotFound, reasonOf } from './errors.js';

/**
 * Run one reconcile, reading NotFound and Conflict (and whatever `stale` adds) as "our cached copy is stale":
 * the watch event carrying the newer state requeues the key, so the error is logged at debug and swallowed
 * instead of costing a rate-limited retry. Every other error propagates (the queue retries with backoff).
 */
export async function tolerateStaleCache<T>(log: Logger, key: string, reconcile: () => Promise<T>, stale?: (err: unknown) => boolean): Promise<T | undefined> {
  try {
    return await reconcile();
  } catch (err) {
    if (isNotFound(err) || isConflict(err) || stale?.(err)) {
      log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
      return undefined;
    }
    throw err;
  }
}
