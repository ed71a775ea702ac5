import type { RouterConfig } from '../config.js';
import type { PolicyConfig } from '../decision/policy.js';
import type { TrainerFn, TrainerOutcome } from '../serve/trainer-loop.js';
import type { FlywheelRecord } from '../types.js';
import { scoreOnHoldout } from './compare.js';
import { splitRecords } from './dataset.js';
import { gateCandidate } from './promotion.js';
import { trainOffThread } from './train-off-thread.js';
import { TrainingError, type LambdaSelection } from './train.js';
import { FsVersionStore, type RouterModelVersionStore } from './version-store.js';

// Adapts the trainer + promotion gate to the serving shell's trainer loop (src/router/serve/trainer-loop.ts):
// train on the records minus a holdout slice, gate against the serving model, report holdout numbers.

export function policyFromConfig(config: RouterConfig): PolicyConfig {
  return config.policy.qualityThreshold !== undefined
    ? { mode: 'threshold', tau: 1, minQuality: config.policy.qualityThreshold }
    : { mode: 'utility', lambda: config.policy.lambda };
}

export function createTrainer(options: { store?: RouterModelVersionStore; lambda?: LambdaSelection } = {}): TrainerFn {
  return async ({ records, current, config }): Promise<TrainerOutcome> => {
    const store = options.store ?? new FsVersionStore(config.trainer.modelDir);
    const policy = policyFromConfig(config);
    const { train: fitRecords, holdout } = splitRecords(records, config.trainer.holdoutFraction, 'promotion-holdout');
    if ((await store.current()) === null) {
      // The serving model may be the cold start, which is not in the store yet: record it as the baseline.
      await store.save(current.serialize(), { source: 'serving-at-first-training' });
      await store.promote(current.version);
    }
    let candidate;
    try {
      candidate = await trainOffThread(fitRecords, {
        candidates: config.models,
        lambda: options.lambda ?? { kind: 'fixed', policy },
      });
    } catch (err) {
      if (err instanceof TrainingError) return { outcome: err.reason, message: err.message };
      throw err;
    }
    const lambda = policy.mode === 'utility' ? policy.lambda : 0;
    const outcome = await gateCandidate(store, candidate, holdout, { lambda, minMargin: config.trainer.promotionMargin });
    // Status reports the model that serves after this run: a candidate that lost is not routing anything.
    const scored = scoreOnHoldout(outcome.promoted ? candidate : current, holdout, lambda);
    const baseline = baselineOnHoldout(holdout, config.policy.baselineModel);
    const holdoutReport = {
      routingAccuracy: scored.accuracy,
      baselineAccuracy: baseline?.accuracy ?? null,
      costPerRequest: scored.costPerQuestion,
      baselineCostPerRequest: baseline?.cost ?? null,
      examples: scored.records,
    };
    if (!outcome.promoted) {
      return {
        outcome: 'CandidateLost',
        message: `${outcome.reason}: ${JSON.stringify(outcome.comparison ?? {})}`,
        holdout: holdoutReport,
        candidateVersion: candidate.version,
        ...(outcome.comparison ? { margin: outcome.comparison.meanDelta } : {}),
      };
    }
    return {
      outcome: 'Promoted',
      model: candidate,
      holdout: holdoutReport,
      candidateVersion: candidate.version,
      ...(outcome.comparison ? { margin: outcome.comparison.meanDelta } : {}),
    };
  };
}

function baselineOnHoldout(holdout: readonly FlywheelRecord[], model: string): { accuracy: number; cost: number } | null {
  let s = 0;
  let c = 0;
  let n = 0;
  for (const r of holdout) {
    const a = [r.primary, ...r.shadows].find((x) => x.model === model && x.score !== null);
    if (!a) continue;
    s += a.score!;
    c += a.costUsd;
    n++;
  }
  return n > 0 ? { accuracy: s / n, cost: c / n } : null;
}
