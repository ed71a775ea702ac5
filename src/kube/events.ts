import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import type { KubeClient } from './client.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import type { KubeObject } from './object.js';
import { apiVersionOf, Resources, type ResourceType } from './resources.js';
import { errorMessage } from '../util/errors.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`. */
  component?: string;
  /** Identical events within this window are not written again (only counted). Default 10 min. */
  dedupeWindowMs?: number;
  logger?: Logger;
  now?: () => number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastWrite: number;
  /** Occurrences not yet written. */
  pending: number;
}

/** Deterministic Event name for (object, type, reason, message), so repeats aggregate into one Event. Pure. */
export function eventName(involved: KubeObject, type: EventType, reason: string, message: string): string {
  const h = createHash('sha256')
    .update(`${involved.metadata.uid ?? ''}|${type}|${reason}|${message}`)
    .digest('hex')
    .slice(0, 12);
  const base = (involved.metadata.name ?? 'object').slice(0, 200);
  return `${base}.${h}`;
}

/**
 * core/v1 Event recorder with aggregation: the first occurrence creates an Event; repeats inside the
 * dedupe window write nothing (a resync that re-derives the same event makes zero writes); a repeat
 * after the window bumps `count` and `lastTimestamp` on the same Event. Failures are logged, never
 * thrown — events are best-effort.
 */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly component: string;
  private readonly window: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly client: KubeClient,
    opts: EventRecorderOptions = {},
  ) {
    this.component = opts.component ?? 'higress-ai-operator';
    this.window = opts.dedupeWindowMs ?? 10 * 60_000;
    this.log = opts.logger ?? createLogger('events');
    this.now = opts.now ?? Date.now;
  }

  /** Record an event about `involved` (of type `rt`). Resolves to whether a request was made. */
  async record(rt: ResourceType, involved: KubeObject, type: EventType, reason: string, message: string): Promise<boolean> {
    const name = eventName(involved, type, reason, message);
    const namespace = involved.metadata.namespace || 'default';
    const key = `${namespace}/${name}`;
    const now = this.now();
    this.evictExpired(now);
    const prev = this.seen.get(key);
    if (prev && now - prev.lastWrite < this.window) {
      prev.pending++;
      return false;
    }
    const ts = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      if (prev) {
        const count = prev.count + prev.pending + 1;
        const ok = await this.bump(namespace, name, count, ts);
        if (ok) {
          this.seen.set(key, { ...prev, count, pending: 0, lastWrite: now });
          return true;
        }
      }
      try {
        await this.client.create(Resources.Event, {
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: apiVersionOf(rt),
            kind: rt.kind,
            name: involved.metadata.name,
            namespace: involved.metadata.namespace,
            uid: involved.metadata.uid,
            resourceVersion: involved.metadata.resourceVersion,
          },
          type,
          reason,
          message,
          count: 1,
          firstTimestamp: ts,
          lastTimestamp: ts,
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.component,
        } as KubeObject);
        this.seen.set(key, { name, namespace, count: 1, pending: 0, lastWrite: now });
      } catch (e) {
        // Written by a previous process (same deterministic name): aggregate into it.
        if (!isAlreadyExists(e)) throw e;
        const existing = await this.client.get<KubeObject & { count?: number }>(Resources.Event, name, namespace);
        const count = (existing?.count ?? 1) + 1;
        await this.bump(namespace, name, count, ts);
        this.seen.set(key, { name, namespace, count, pending: 0, lastWrite: now });
      }
      return true;
    } catch (e) {
      this.log.warn({ err: errorMessage(e), reason, involved: involved.metadata.name }, 'could not record event');
      return false;
    }
  }

  // Bounded memory: forget aggregation state well past the window once the map grows large.
  private evictExpired(now: number): void {
    if (this.seen.size < 4096) return;
    for (const [k, v] of this.seen) if (now - v.lastWrite > 2 * this.window) this.seen.delete(k);
  }

  private async bump(namespace: string, name: string, count: number, ts: string): Promise<boolean> {
    try {
      await this.client.patch(Resources.Event, name, namespace, { count, lastTimestamp: ts }, 'merge');
      return true;
    } catch (e) {
      if (isNotFound(e)) return false; // expired by the API server's event TTL; recreate
      throw e;
    }
  }
}
