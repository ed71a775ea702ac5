import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import type { KubeClient } from './client.js';
import { isAlreadyExists, isConflict } from './errors.js';
import type { KubeObject } from './object.js';
import { Resources } from './resources.js';
import { errorMessage } from '../util/errors.js';

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  /** Lease name, e.g. `higress-ai-operator-leader`. */
  name: string;
  /** Unique per process, e.g. `${hostname}_${pid}_${random}`. */
  identity: string;
  leaseDurationMs?: number;
  /** The leader gives up if it could not renew for this long (must be < leaseDuration). */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  /** Called once when leadership ends for any reason (lost or released). */
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/** Lease MicroTime: RFC 3339 with exactly six fractional digits. Pure. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go semantics: a lease is expired
 * when its record has not changed for `leaseDuration` as observed on OUR clock (no cross-host clock
 * comparison); the leader renews every `retryPeriod` and steps down after `renewDeadline` without a
 * successful renew; `release()` empties the holder so a successor takes over immediately.
 * After losing leadership it keeps campaigning; an operator that must not run two reconcilers
 * should stop its controllers (or exit) in `onStoppedLeading`, as client-go users do.
 */
export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly log: Logger;
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private lastLeader = '';
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    this.log = opts.logger ?? createLogger('leader');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Start campaigning; returns immediately. */
  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  /** Stop campaigning; if leading, release the lease (best effort) and call `onStoppedLeading`. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    if (!this.leading) return;
    try {
      const lease = await this.opts.client.get<Lease>(Resources.Lease, this.opts.name, this.opts.namespace);
      if (lease?.spec?.holderIdentity === this.opts.identity) {
        await this.opts.client.update<Lease>(Resources.Lease, {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
        });
      }
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'could not release lease');
    }
    this.stepDown();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew().catch((e: unknown) => {
        if (!isConflict(e) && !isAlreadyExists(e)) this.log.warn({ err: errorMessage(e) }, 'lease request failed');
        return false;
      });
      if (this.stopped) break;
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.log.info({ identity: this.opts.identity }, 'became leader');
          this.opts.onStartedLeading?.();
        }
      } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
        this.log.warn({ identity: this.opts.identity }, 'leadership lost: renew deadline passed');
        this.stepDown();
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.retryMs);
      });
    }
  }

  private stepDown(): void {
    if (!this.leading) return;
    this.leading = false;
    this.opts.onStoppedLeading?.();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, name, namespace, identity } = this.opts;
    const now = Date.now();
    const durationSeconds = Math.ceil(this.leaseMs / 1000);
    const lease = await client.get<Lease>(Resources.Lease, name, namespace);
    if (!lease) {
      await client.create<Lease>(Resources.Lease, {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      this.noteLeader(identity);
      return true;
    }
    const spec = lease.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? ''}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const holder = spec.holderIdentity ?? '';
    if (holder) this.noteLeader(holder);
    const heldByOther = holder !== '' && holder !== identity;
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (heldByOther && now < this.observedAt + leaseMs) return false;
    const takingOver = holder !== identity;
    await client.update<Lease>(Resources.Lease, {
      ...lease,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: takingOver ? microTime(now) : (spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
      },
    });
    this.noteLeader(identity);
    return true;
  }

  private noteLeader(identity: string): void {
    if (identity === this.lastLeader) return;
    this.lastLeader = identity;
    this.opts.onNewLeader?.(identity);
  }
}
