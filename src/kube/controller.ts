import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import { reasonOf, WaitError } from './errors.js';
import type { EventSource, Informer } from './informer.js';
import { controllerRuntimeMetrics as m, workqueueMetrics } from './metrics.js';
import { keyOf, type KubeObject, type ObjectKey } from './object.js';
import { mark, round, TIMELINE, traced, withTraceKey } from './timeline.js';
import { WorkQueue, type BackoffOptions } from './workqueue.js';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { errorMessage } from '../util/errors.js';

/** What a reconcile asks for next. Throwing means "failed": requeue with per-key backoff. */
export interface ReconcileResult {
  /** Reconcile this key again after this delay even if nothing changes (e.g. poll an external system). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: ObjectKey) => Promise<ReconcileResult | void>;

/** A secondary watched kind and how its objects map to primary keys (e.g. via owner labels or an index). */
export interface SecondaryWatch {
  informer: EventSource<KubeObject>;
  map: (obj: KubeObject) => readonly ObjectKey[];
  /** controller-runtime's update predicate: map an update only when this says it matters. Default: always. */
  updateMatters?: (old: KubeObject, obj: KubeObject) => boolean;
}

/**
 * controller-runtime's GenerationChangedPredicate (+ deletion): true when the spec changed (generation) or
 * deletion started. Status-only writes — a controller's own, many per second in a burst — do not pass. Pure.
 */
export function specOrDeletionChanged(old: KubeObject, obj: KubeObject): boolean {
  return (
    old === obj || // periodic resync: always re-deliver
    old.metadata.generation !== obj.metadata.generation ||
    old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
    old.metadata.generation === undefined
  );
}

/** Typed constructor for a {@link SecondaryWatch}: `map` sees the informer's own object type. */
export function secondaryWatch<T extends KubeObject>(
  informer: EventSource<T>,
  map: (obj: T) => readonly ObjectKey[],
  updateMatters?: (old: KubeObject, obj: KubeObject) => boolean,
): SecondaryWatch {
  // Sound: the source only ever hands `map` objects of its own type T.
  return {
    informer: informer,
    map: map as (obj: KubeObject) => readonly ObjectKey[],
    ...(updateMatters ? { updateMatters } : {}),
  };
}

export interface ControllerOptions<P extends KubeObject> {
  /** Metric label and logger name, e.g. `modelpool`. */
  name: string;
  primary: Informer<P>;
  /** Update predicate of the primary (e.g. drop the events of the controller's own writes). Default: always. */
  primaryUpdateMatters?: (old: P, obj: P) => boolean;
  secondaries?: readonly SecondaryWatch[];
  reconcile: Reconciler;
  /** Parallel reconciles (different keys). Default 4. */
  concurrency?: number;
  backoff?: BackoffOptions;
  /**
   * Batch window for keys that stand for shared objects (e.g. one aggregated object per gateway): the first
   * request schedules the key `windowMs` later and every request inside the window joins it, so N changes
   * cost one write of the shared object instead of N. Other keys are queued at once.
   */
  coalesce?: { match: (key: ObjectKey) => boolean; windowMs: number };
  logger?: Logger;
}

/**
 * The generic controller loop: informer events (primary keys, secondary objects mapped to primary
 * keys) feed a rate-limited work queue; workers call `reconcile(key)`; success forgets the key's
 * backoff (and honours `requeueAfterMs`), failure requeues it with exponential backoff.
 * Informers are started and stopped by the caller (they may be shared between controllers).
 */
/** Longest poll of a waiting key (WaitError): how late a key can notice that its wait is over. */
const WAIT_POLL_CAP_MS = 5_000;

export class Controller<P extends KubeObject> {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly unsubscribe: Array<() => void> = [];
  /** Consecutive WaitErrors per key: the poll doubles up to {@link WAIT_POLL_CAP_MS}, so a wait that lasts (a cache RBAC keeps from listing) stays cheap. */
  private readonly waits = new Map<string, number>();
  private running?: Promise<void>;

  constructor(private readonly opts: ControllerOptions<P>) {
    this.log = opts.logger ?? createLogger(`controller.${opts.name}`);
    this.queue = new WorkQueue({ ...opts.backoff, metrics: workqueueMetrics(opts.name), name: opts.name });
  }

  /** Subscribe to informers and start workers; returns at once. Wait for cache sync before relying on results. */
  /** Queue `key` (after the coalescing window when it matches one). */
  /**
   * Queue `key` (after the coalescing window when it matches one). `low`: a periodic resync's re-check, handed
   * out after every key some change queued (see WorkQueue).
   */
  enqueue(key: ObjectKey, priority: 'normal' | 'low' = 'normal'): void {
    const c = this.opts.coalesce;
    if (c && c.windowMs > 0 && c.match(key)) this.queue.addAfter(key, c.windowMs);
    else this.queue.add(key, priority);
  }

  start(): void {
    if (this.running) return;
    // A periodic resync re-delivers every cached object unchanged (old === new): its re-checks must not delay
    // the reconciles of objects that did change (controller-runtime's priority queue does the same).
    const priorityOf = (o: KubeObject, n: KubeObject): 'normal' | 'low' => (o === n ? 'low' : 'normal');
    const enqueue = (obj: KubeObject): void => this.enqueue(keyOf(obj));
    const matters = this.opts.primaryUpdateMatters;
    this.unsubscribe.push(
      this.opts.primary.addEventHandler({
        onAdd: enqueue,
        onUpdate: (o, n) => {
          if (!matters || matters(o, n)) this.enqueue(keyOf(n), priorityOf(o, n));
        },
        onDelete: enqueue,
      }),
    );
    for (const s of this.opts.secondaries ?? []) {
      const enqueueMapped = (obj: KubeObject, priority: 'normal' | 'low' = 'normal'): void => {
        for (const key of s.map(obj)) this.enqueue(key, priority);
      };
      this.unsubscribe.push(
        s.informer.addEventHandler({
          onAdd: (obj) => enqueueMapped(obj),
          // Map both versions: a label change can move an object from one owner to another.
          onUpdate: (o, n) => {
            if (s.updateMatters && !s.updateMatters(o, n)) return;
            enqueueMapped(o, priorityOf(o, n));
            if (o !== n) enqueueMapped(n);
          },
          onDelete: (obj) => enqueueMapped(obj),
        }),
      );
    }
    const concurrency = this.opts.concurrency ?? 4;
    m.maxConcurrentReconciles.set({ controller: this.opts.name }, concurrency);
    m.activeWorkers.set({ controller: this.opts.name }, 0);
    this.running = this.queue.run(concurrency, (key) => this.process(key));
  }

  /** Stop taking work and wait for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.queue.shutdown();
    await this.running;
  }

  private async traceReconcile(key: ObjectKey, elu: EventLoopUtilization, seconds: () => number): Promise<ReconcileResult | void> {
    mark('reconcile.start', { controller: this.opts.name });
    try {
      return await this.opts.reconcile(key);
    } finally {
      mark('reconcile.end', {
        controller: this.opts.name,
        ms: round(seconds() * 1000),
        elu: Math.round(performance.eventLoopUtilization(elu).utilization * 100) / 100,
      });
    }
  }

  private async process(key: ObjectKey): Promise<void> {
    const controller = this.opts.name;
    const start = process.hrtime.bigint();
    const end = (): number => Number(process.hrtime.bigint() - start) / 1e9;
    m.activeWorkers.inc({ controller });
    // Event-loop utilisation over the reconcile: near 1, its wall time was mostly other work's CPU.
    const elu = TIMELINE && traced(key) ? performance.eventLoopUtilization() : undefined;
    try {
      const result = await (elu ? withTraceKey(key, () => this.traceReconcile(key, elu, end)) : this.opts.reconcile(key));
      const seconds = end();
      m.reconcileTime.observe({ controller }, seconds);
      this.log.debug({ key, ms: Math.round(seconds * 1000), requeueAfterMs: result?.requeueAfterMs }, 'reconciled');
      this.queue.forget(key);
      this.waits.delete(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        m.reconcileTotal.inc({ controller, result: 'requeue_after' });
      } else {
        m.reconcileTotal.inc({ controller, result: 'success' });
      }
    } catch (e) {
      m.reconcileTime.observe({ controller }, end());
      if (e instanceof WaitError) {
        const n = this.waits.get(key) ?? 0;
        const delayMs = Math.min(e.retryAfterMs * 2 ** n, WAIT_POLL_CAP_MS);
        this.waits.set(key, n + 1);
        this.queue.addAfter(key, delayMs);
        m.reconcileTotal.inc({ controller, result: 'requeue_after' });
        this.log.debug({ key, reason: e.reason, err: e.message, retryInMs: delayMs }, 'reconcile waits; requeued');
        return;
      }
      this.waits.delete(key);
      const reason = reasonOf(e);
      m.reconcileTotal.inc({ controller, result: 'error' });
      m.reconcileErrors.inc({ controller });
      m.reconcileErrorsByReason.inc({ controller, reason });
      const delayMs = this.queue.addRateLimited(key);
      this.log.warn({ key, reason, err: errorMessage(e), retryInMs: Math.round(delayMs) }, 'reconcile failed; requeued');
    } finally {
      m.activeWorkers.dec({ controller });
    }
  }
}
