import { z } from 'zod';

// The shape of the router's `GET /status`. The operator reads it into SemanticRouter status, so it is a
// schema both sides import rather than a convention; fields are added, never renamed.

const percentilesSchema = z.object({
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  /** Decisions in the sliding window the percentiles come from. */
  samples: z.number().int().nonnegative(),
});

export const routerStatusSchema = z.object({
  /** Version of the RouterModel currently deciding. */
  modelVersion: z.string(),
  modelKind: z.string(),
  /** Previously promoted versions, newest first (rollback targets). */
  previousVersions: z.array(z.string()),
  startedAt: z.string(),
  flywheel: z.object({
    mode: z.enum(['off', 'data-generation']),
    sampleRate: z.number(),
    store: z.string(),
    /** Records in the store (all replicas, for a shared store). */
    datasetSize: z.number().int().nonnegative(),
    queueDepth: z.number().int().nonnegative(),
    queueCapacity: z.number().int().positive(),
  }),
  /** From the last trainer evaluation on its holdout slice; null until the trainer has run. */
  holdout: z
    .object({
      routingAccuracy: z.number(),
      baselineAccuracy: z.number().nullable(),
      costPerRequest: z.number(),
      baselineCostPerRequest: z.number().nullable(),
      examples: z.number().int().nonnegative(),
      evaluatedAt: z.string(),
    })
    .nullable(),
  /** Live comparison from the flywheel records this process wrote (primary answer vs baseline shadow). */
  live: z.object({
    pairedRecords: z.number().int().nonnegative(),
    costPerRequest: z.number().nullable(),
    baselineCostPerRequest: z.number().nullable(),
    /** costPerRequest / baselineCostPerRequest. */
    costRatio: z.number().nullable(),
    accuracy: z.number().nullable(),
    baselineAccuracy: z.number().nullable(),
  }),
  decisionMs: percentilesSchema,
  trainer: z.object({
    state: z.enum(['disabled', 'idle', 'training', 'pinned']),
    /** trainer.pinnedVersion: whether the volume had it (else the router serves its last promoted version), and what it has. */
    pinned: z
      .object({ version: z.string(), found: z.boolean(), available: z.array(z.string()) })
      .nullable()
      .default(null),
    runs: z.number().int().nonnegative(),
    promotions: z.number().int().nonnegative(),
    lastRunAt: z.string().nullable(),
    /** CamelCase outcome of the last run, e.g. "Promoted", "CandidateLost", "TrainingFailed". */
    lastOutcome: z.string().nullable(),
    lastMessage: z.string().nullable(),
    recordsAtLastRun: z.number().int().nonnegative(),
    /** The candidate of the last run, promoted or not. */
    lastCandidateVersion: z.string().nullable(),
    /** Mean holdout utility of that candidate minus the serving model's; positive = it won by that much. */
    lastMargin: z.number().nullable(),
    lastPromotionAt: z.string().nullable(),
    /** Rollbacks since start; defaults keep a status from an older router readable. */
    rollbacks: z.number().int().nonnegative().default(0),
    /** The last rollback: which model went back to which, why, and by how much the served one trailed. */
    lastRollback: z
      .object({
        from: z.string(),
        to: z.string(),
        trigger: z.enum(['OnlineRegression']),
        /** By how much the rolled-back model trailed the previous one: mean online utility difference (> 0). */
        margin: z.number(),
        records: z.number().int().nonnegative(),
        at: z.string(),
      })
      .nullable()
      .default(null),
    /** The promoted model under watch; meanDelta = its online utility minus the previous model's; verdict Pending or Holding. */
    probation: z
      .object({
        version: z.string(),
        previousVersion: z.string(),
        records: z.number().int().nonnegative(),
        meanDelta: z.number().nullable(),
        verdict: z.string(),
      })
      .nullable()
      .default(null),
  }),
  /** Spend in the current budget window and the knob serving now; null without a budget. */
  budget: z
    .object({
      window: z.enum(['hour', 'day', 'month']),
      windowStart: z.string(),
      limitUsd: z.number(),
      spentUsd: z.number(),
      projectedUsd: z.number(),
      mode: z.enum(['Normal', 'Downgraded', 'CheapestOnly']),
      effectiveLambda: z.number().nullable(),
      requests: z.number().int().nonnegative(),
      downgrades: z.number().int().nonnegative(),
      /** Where the window's spend is kept and shared (the flywheel store's kind); absent from older routers. */
      ledger: z.string().optional(),
    })
    .nullable(),
  /** The semantic cache in front of routing (src/cache/); null without spec.cache or from an older router. */
  cache: z
    .object({
      lookups: z.number().int().nonnegative(),
      exactHits: z.number().int().nonnegative(),
      semanticHits: z.number().int().nonnegative(),
      /** Sum over served similar-question hits of the verifier's calibrated probability that the hit was wrong. */
      wrongHitEstimate: z.number().nonnegative(),
      tokensSaved: z.number().nonnegative(),
      usdSaved: z.number().nonnegative(),
      entries: z.number().int().nonnegative(),
      storeUp: z.boolean(),
      delta: z.number(),
      /** Whether similar questions are looked up; semanticOff says why not when they were asked for. */
      semantic: z.boolean(),
      semanticOff: z.string().optional(),
      /** False without a verifier file: similar questions are then served at a fixed cosine and delta is not enforced. */
      calibrated: z.boolean(),
      embedder: z.string(),
    })
    .nullable()
    .default(null),
  /** The configured knob (λ, or a minimum quality), before any budget downgrade. */
  policy: z.object({ lambda: z.number().nullable(), qualityThreshold: z.number().nullable() }),
  counters: z.object({
    requests: z.number().nonnegative(),
    fallbacks: z.number().nonnegative(),
    upstreamErrors: z.number().nonnegative(),
    badRequests: z.number().nonnegative(),
    flywheelEnqueued: z.number().nonnegative(),
    flywheelDropped: z.number().nonnegative(),
    flywheelRecorded: z.number().nonnegative(),
    flywheelFailed: z.number().nonnegative(),
  }),
});

export type RouterStatus = z.infer<typeof routerStatusSchema>;
