import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import { reasonOf } from './errors.js';
import type { Informer } from './informer.js';
import { counter, gauge, histogram } from './metrics.js';
import { keyOf, type KubeObject, type ObjectKey } from './object.js';
import { WorkQueue, type BackoffOptions } from './workqueue.js';
import { errorMessage } from '../util/errors.js';

/** What a reconcile asks for next. Throwing means "failed": requeue with per-key backoff. */
export interface ReconcileResult {
  /** Reconcile this key again after this delay even if nothing changes (e.g. poll an external system). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: ObjectKey) => Promise<ReconcileResult | void>;

/** A secondary watched kind and how its objects map to primary keys (e.g. via owner labels or an index). */
export interface SecondaryWatch {
  informer: Informer<KubeObject>;
  map: (obj: KubeObject) => readonly ObjectKey[];
}

/** Typed constructor for a {@link SecondaryWatch}: `map` sees the informer's own object type. */
export function secondaryWatch<T extends KubeObject>(informer: Informer<T>, map: (obj: T) => readonly ObjectKey[]): SecondaryWatch {
  // Sound: the informer only ever hands `map` objects of its own type T.
  return { informer: informer as unknown as Informer<KubeObject>, map: map as (obj: KubeObject) => readonly ObjectKey[] };
}

export interface ControllerOptions<P extends KubeObject> {
  /** Metric label and logger name, e.g. `modelpool`. */
  name: string;
  primary: Informer<P>;
  secondaries?: readonly SecondaryWatch[];
  reconcile: Reconciler;
  /** Parallel reconciles (different keys). Default 4. */
  concurrency?: number;
  backoff?: BackoffOptions;
  logger?: Logger;
}

const reconcileTotal = counter('higress_ai_operator_reconcile_total', 'Reconciles by controller and result', ['controller', 'result'] as const);
const reconcileErrors = counter('higress_ai_operator_reconcile_errors_total', 'Failed reconciles by controller and reason', ['controller', 'reason'] as const);
const reconcileSeconds = histogram(
  'higress_ai_operator_reconcile_duration_seconds',
  'Reconcile duration',
  ['controller'] as const,
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);
const queueDepth = gauge('higress_ai_operator_workqueue_depth', 'Keys waiting in the work queue', ['controller'] as const);

/**
 * The generic controller loop: informer events (primary keys, secondary objects mapped to primary
 * keys) feed a rate-limited work queue; workers call `reconcile(key)`; success forgets the key's
 * backoff (and honours `requeueAfterMs`), failure requeues it with exponential backoff.
 * Informers are started and stopped by the caller (they may be shared between controllers).
 */
export class Controller<P extends KubeObject> {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly unsubscribe: Array<() => void> = [];
  private running?: Promise<void>;

  constructor(private readonly opts: ControllerOptions<P>) {
    this.log = opts.logger ?? createLogger(`controller.${opts.name}`);
    this.queue = new WorkQueue({ ...opts.backoff, onDepth: (d) => queueDepth.set({ controller: opts.name }, d) });
  }

  /** Subscribe to informers and start workers; returns at once. Wait for cache sync before relying on results. */
  start(): void {
    if (this.running) return;
    const enqueue = (obj: KubeObject): void => this.queue.add(keyOf(obj));
    this.unsubscribe.push(
      this.opts.primary.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue }),
    );
    for (const s of this.opts.secondaries ?? []) {
      const enqueueMapped = (obj: KubeObject): void => {
        for (const key of s.map(obj)) this.queue.add(key);
      };
      this.unsubscribe.push(
        s.informer.addEventHandler({
          onAdd: enqueueMapped,
          // Map both versions: a label change can move an object from one owner to another.
          onUpdate: (o, n) => {
            enqueueMapped(o);
            if (o !== n) enqueueMapped(n);
          },
          onDelete: enqueueMapped,
        }),
      );
    }
    this.running = this.queue.run(this.opts.concurrency ?? 4, (key) => this.process(key));
  }

  /** Stop taking work and wait for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.queue.shutdown();
    await this.running;
  }

  private async process(key: ObjectKey): Promise<void> {
    const start = process.hrtime.bigint();
    const end = (): number => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const result = await this.opts.reconcile(key);
      const seconds = end();
      reconcileSeconds.observe({ controller: this.opts.name }, seconds);
      this.log.debug({ key, ms: Math.round(seconds * 1000), requeueAfterMs: result?.requeueAfterMs }, 'reconciled');
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        reconcileTotal.inc({ controller: this.opts.name, result: 'requeue_after' });
      } else {
        reconcileTotal.inc({ controller: this.opts.name, result: 'success' });
      }
    } catch (e) {
      reconcileSeconds.observe({ controller: this.opts.name }, end());
      const reason = reasonOf(e);
      reconcileTotal.inc({ controller: this.opts.name, result: 'error' });
      reconcileErrors.inc({ controller: this.opts.name, reason });
      const delayMs = this.queue.addRateLimited(key);
      this.log.warn({ key, reason, err: errorMessage(e), retryInMs: Math.round(delayMs) }, 'reconcile failed; requeued');
    }
  }
}
