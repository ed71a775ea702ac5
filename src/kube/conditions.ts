import type { KubeClient } from './client.js';
import { jsonEqual, type KubeObject } from './object.js';
import type { ResourceType } from './resources.js';

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, greppable. */
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export const READY = 'Ready';

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Set or replace the condition of `input.type`. `lastTransitionTime` changes only when `status`
 * changes, so re-setting an identical condition yields an equal list (and no status write). Pure;
 * order of other conditions is kept.
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date = new Date()): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    lastTransitionTime: prev && prev.status === input.status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** True when `Ready` is `True` and (if given) observed at `generation`. */
export function isReady(conditions: readonly Condition[] | undefined, generation?: number): boolean {
  const c = getCondition(conditions, READY);
  if (!c || c.status !== 'True') return false;
  return generation === undefined || c.observedGeneration === generation;
}

export interface WithStatus<S> extends KubeObject {
  status?: S;
}

/**
 * Write `status` to the status subresource unless it equals the observed one (steady state writes
 * nothing). Uses the object's resourceVersion, so a stale read fails with reason `Conflict` and the
 * controller requeues. Returns the updated object, or `undefined` when skipped.
 */
export async function writeStatus<S, T extends WithStatus<S>>(client: KubeClient, rt: ResourceType, observed: T, status: S): Promise<T | undefined> {
  if (jsonEqual(observed.status, status)) return undefined;
  return client.updateStatus<T>(rt, { ...observed, status });
}
