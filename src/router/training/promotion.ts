import { loadRouterModel } from '../decision/load.js';
import type { FlywheelRecord, RouterModel } from '../types.js';
import { compare, type CompareOptions, type Comparison } from './compare.js';
import { splitRecords } from './dataset.js';
import type { RouterModelVersionStore } from './version-store.js';

// The promotion gate: a freshly trained candidate is saved as a version, compared with the serving model
// on a holdout slice it was not trained on, and promoted only if it wins (see compare.ts).

export interface GateOutcome {
  promoted: boolean;
  version: string;
  /** Present when there was a current model to compare with. */
  comparison?: Comparison;
  reason: 'NoCurrentModel' | Comparison['reason'];
}

/** Saves `candidate`, compares it with the store's current model on `holdout`, promotes if it wins. */
export async function gateCandidate(
  store: RouterModelVersionStore,
  candidate: RouterModel,
  holdout: readonly FlywheelRecord[],
  options: CompareOptions,
): Promise<GateOutcome> {
  const currentVersion = await store.current();
  if (currentVersion === null) {
    await store.save(candidate.serialize(), { promotedBecause: 'NoCurrentModel' });
    await store.promote(candidate.version);
    return { promoted: true, version: candidate.version, reason: 'NoCurrentModel' };
  }
  const current = loadRouterModel(await store.load(currentVersion));
  const comparison = compare(candidate, current, holdout, options);
  await store.save(candidate.serialize(), { comparedWith: currentVersion, comparison });
  if (comparison.candidateWins) await store.promote(candidate.version);
  return { promoted: comparison.candidateWins, version: candidate.version, comparison, reason: comparison.reason };
}

/** Train on all but a holdout slice, then gate. `trainFn` is the trainer (injected for tests). */
export async function retrainAndGate(
  store: RouterModelVersionStore,
  records: readonly FlywheelRecord[],
  trainFn: (records: FlywheelRecord[]) => RouterModel,
  options: CompareOptions & { holdoutFraction?: number },
): Promise<GateOutcome> {
  const { train, holdout } = splitRecords(records, options.holdoutFraction ?? 0.2, 'promotion-holdout');
  return gateCandidate(store, trainFn(train), holdout, options);
}
