import type { WorkQueueMetrics } from './metrics.js';
import { mark, round, TIMELINE, traced } from './timeline.js';

/**
 * Rate-limited work queue with client-go semantics:
 * - a key is queued at most once however often it is added (dedupe);
 * - a key is never handed to two workers at once: re-added while processing, it is queued again
 *   only after `done(key)`;
 * - per-key exponential backoff with jitter for failures (`addRateLimited`), reset by `forget`;
 * - delayed adds (`addAfter`) keep the earliest deadline per key;
 * - `shutdown()` stops handing out keys (the backlog is dropped: reconciliation is level-based and
 *   the next run relists) and resolves once in-flight work is done;
 * - two priorities, as controller-runtime's priority queue (v0.20, design PR #3013): keys added with
 *   `low` (periodic resyncs: nothing changed, only re-checked) are handed out after every normal key,
 *   and a normal add of a key waiting as low promotes it. bench:operator, 500 pools: a create that met a
 *   resync waited behind ~500 re-checks of unchanged pools.
 */
export interface BackoffOptions {
  /** First retry delay. Default 5 ms (client-go's default). */
  baseDelayMs?: number;
  /** Cap for the exponential delay. Default 1000 s. */
  maxDelayMs?: number;
  /** Up to this fraction of the delay is added at random, to spread retries of many keys. Default 0.1. */
  jitter?: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

export interface WorkQueueOptions extends BackoffOptions {
  /** Called whenever the number of queued keys changes (queue-depth metric). */
  onDepth?: (depth: number) => void;
  /** client-go's workqueue metrics (adds, queue/work durations, retries, in-flight work). */
  metrics?: WorkQueueMetrics;
  /** The owning controller's name, for KUBE_TRACE_TIMELINE lines (src/kube/timeline.ts). */
  name?: string;
}

/** Delay for the `failures`-th consecutive failure (0-based): min(max, base·2^n) plus jitter, capped at max. Pure. */
export function backoffDelay(failures: number, opts: BackoffOptions = {}): number {
  const base = opts.baseDelayMs ?? 5;
  const max = opts.maxDelayMs ?? 1_000_000;
  const jitter = opts.jitter ?? 0.1;
  const random = opts.random ?? Math.random;
  // 2^n overflows to Infinity for large n, which Math.min handles.
  const exp = Math.min(max, base * 2 ** failures);
  return Math.min(max, exp + exp * jitter * random());
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys added with low priority only, in order; handed out when `queue` is empty. */
  private readonly lowQueue: string[] = [];
  private readonly low = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private shuttingDown = false;
  /** performance.now() when a key entered the queue / when a worker took it (metrics only). */
  private readonly queuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly opts: WorkQueueOptions = {}) {
    opts.metrics?.trackInFlight(() => this.startedAt.values());
  }

  /**
   * Queue `key` now (no-op if already queued, or deferred until done if being processed). `low`: only a re-check
   * (a resync); it waits behind every normal key, and a normal add while it waits promotes it.
   */
  add(key: string, priority: 'normal' | 'low' = 'normal'): void {
    if (TIMELINE && traced(key)) {
      const state = this.dirty.has(key) ? 'queued' : this.processing.has(key) ? 'processing' : 'new';
      mark('queue.add', { key, queue: this.opts.name, state, priority, depth: this.len(), inFlight: this.processing.size });
    }
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      if (priority === 'normal' && this.low.delete(key)) this.promote(key);
      return;
    }
    if (priority === 'low') this.low.add(key);
    this.dirty.add(key);
    this.opts.metrics?.add();
    if (!this.queuedAt.has(key)) this.queuedAt.set(key, performance.now());
    if (this.processing.has(key)) return;
    this.dispatch(key);
  }

  /** Hand a dirty key to a waiting worker, or queue it. */
  private dispatch(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.take(key);
      waiter(key);
      return;
    }
    (this.low.has(key) ? this.lowQueue : this.queue).push(key);
    this.depthChanged();
  }

  /** A key waiting as low moves to the end of the normal keys (a key in flight is dispatched normal on done). */
  private promote(key: string): void {
    const i = this.lowQueue.indexOf(key);
    if (i < 0) return;
    this.lowQueue.splice(i, 1);
    this.queue.push(key);
  }

  /** Queue `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.delayed.set(key, { at, timer });
  }

  /** Queue `key` after its next backoff delay, counting a failure; returns the delay used. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = backoffDelay(n, this.opts);
    this.opts.metrics?.retry();
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset the failure count of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length + this.lowQueue.length;
  }

  /** Keys currently handed out and not yet `done`. */
  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Next key to work on, or `undefined` once the queue is shut down. Pair every key with `done`. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift() ?? this.lowQueue.shift();
    if (key !== undefined) {
      this.depthChanged();
      this.dirty.delete(key);
      this.take(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Mark `key` finished; if it was re-added meanwhile it is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.opts.metrics?.worked((performance.now() - started) / 1000);
    this.startedAt.delete(key);
    // Re-added while processing: counted as an add then, dispatched now.
    if (this.dirty.has(key) && !this.shuttingDown) this.dispatch(key);
    if (this.processing.size === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of idle) w();
    }
  }

  /** Stop handing out keys, cancel delayed adds, resolve when in-flight work is done. */
  shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.lowQueue.length = 0;
    this.low.clear();
    this.dirty.clear();
    this.queuedAt.clear();
    this.depthChanged();
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private take(key: string): void {
    this.low.delete(key);
    this.processing.add(key);
    const now = performance.now();
    const queued = this.queuedAt.get(key);
    this.queuedAt.delete(key);
    if (queued !== undefined) this.opts.metrics?.queued((now - queued) / 1000);
    if (TIMELINE && traced(key)) mark('queue.take', { key, queue: this.opts.name, waitedMs: round(now - (queued ?? now)), depth: this.len() });
    this.startedAt.set(key, now);
  }

  private depthChanged(): void {
    this.opts.onDepth?.(this.len());
    this.opts.metrics?.depth(this.len());
  }

  /**
   * Run `concurrency` workers calling `handler(key)` until shutdown; resolves when all workers
   * have stopped. Handler errors are swallowed here — the caller decides about requeueing.
   */
  async run(concurrency: number, handler: (key: string) => Promise<void>): Promise<void> {
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await handler(key);
        } catch {
          // The handler owns error handling (logging, addRateLimited); a throw must not kill the worker.
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }
}
