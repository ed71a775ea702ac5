import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/**
 * `KUBE_TRACE_TIMELINE` (opt-in, off by default): one JSON line per step of the work behind an object, written to
 * stderr as `TL {...}` — watch events received, work-queue adds and takes (queue wait), reconcile start/end, every
 * API request (verb, resource, name, bytes each way, its duration, the time spent serialising and parsing), and
 * whatever a controller marks (a gateway pass's render and merge phases, a decision). The question it answers is
 * "where did the time between this create and its Ready status go?" (bench:operator, issue 9).
 *
 * Its value selects what is traced: `1` everything, otherwise a regular expression matched against a work key
 * (`ns/name`, `gateway:<ns>`), and for watch events and requests outside a traced reconcile against
 * `<plural> <ns>/<name>` (e.g. `pool-5\d\d|gateway:|wasmplugins|mcpbridges`). Requests made inside a traced
 * reconcile are traced whatever their path (AsyncLocalStorage carries the key).
 *
 * `t` is `performance.timeOrigin + performance.now()` in ms: monotonic within a process and comparable across
 * processes of one machine (the bench marks its creates and the Ready it observes the same way). Nothing here
 * carries object contents: bodies can hold Secret values, so only sizes are printed.
 */

const SPEC = process.env.KUBE_TRACE_TIMELINE ?? '';
export const TIMELINE = SPEC !== '' && SPEC !== '0';
const filter = TIMELINE && SPEC !== '1' ? new RegExp(SPEC) : undefined;
const context = new AsyncLocalStorage<string>();

/** True when work on `subject` (a work key, or `<plural> <ns>/<name>`) is traced. */
export function traced(subject: string): boolean {
  return TIMELINE && (!filter || filter.test(subject));
}

/** The traced work key the current async context runs for, if any. */
export function traceKey(): string | undefined {
  return TIMELINE ? context.getStore() : undefined;
}

/** True inside a traced reconcile (where a controller's own marks belong). */
export function tracing(): boolean {
  return TIMELINE && context.getStore() !== undefined;
}

/** Run `fn` with `key` as the trace context of everything it starts (only when `key` is traced). */
export function withTraceKey<T>(key: string, fn: () => T): T {
  return traced(key) ? context.run(key, fn) : fn();
}

/** A timestamp for {@link mark}'s `t0` and durations. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Print one step (`fields.key` overrides the current trace context's key). Call sites check {@link TIMELINE} first. */
export function mark(ev: string, fields: Record<string, unknown> = {}): void {
  const key = context.getStore();
  process.stderr.write(`TL ${JSON.stringify({ t: round(now()), pid: process.pid, ev, ...(key !== undefined ? { key } : {}), ...fields })}\n`);
}

/** Milliseconds rounded to 0.1. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
