import type { MountReason } from './mounted-refs.js';
import type { SemanticRouterStatus } from '../api/v1alpha1/semanticrouter.js';
import { READY, type ConditionInput } from '../kube/conditions.js';
import type { RouterStatus } from '../router/status.js';
import type { RouterIssue, RouterRender } from './semanticrouter.js';
import { counted, listSome } from '../util/phrases.js';

/**
 * SemanticRouter status as a pure function: status = f(render, observed, errors). The numbers are the
 * router's own (`GET /status`, src/router/status.ts), never configured. Ready does not flap on one missed
 * poll: the router counts as unreachable only after UNREACHABLE_AFTER consecutive failures, and polls back
 * off while it is. Events are derived from the change between the previous status and this one.
 */

export const REACHABLE = 'RouterReachable';
export const POOL_RESOLVED = 'PoolResolved';
export const BUDGET = 'Budget';
export const TRAINED = 'Trained';
export const EXPOSED = 'Exposed';
/** What the semantic cache can serve: similar questions within delta, or less and why (spec.cache only). */
export const CACHED = 'Cached';
/** Whether requests naming a pool model pass through the router (spec.flywheel.sampleNamedModels). */
export const NAMED_MODEL_SAMPLING = 'NamedModelSampling';
/** Consecutive failed polls before the router is reported unreachable (and Ready turns False). */
export const UNREACHABLE_AFTER = 3;
const MAX_BACKOFF_MS = 5 * 60_000;

export interface RouterObservation {
  /** The runtime is up as far as its workload says (Deployment available, or the local process running). */
  runtimeAvailable: boolean;
  runtimeMessage: string;
  /** The last successful `/status`, if any poll ever succeeded. */
  lastStatus?: RouterStatus | undefined;
  /** Consecutive failed polls (0 after a success). */
  failures: number;
  lastError?: string | undefined;
  /** When `lastStatus` was read. */
  lastPolled?: string | undefined;
}

export interface RouterEvent {
  type: 'Normal' | 'Warning';
  reason: 'Promoted' | 'RolledBack' | 'BudgetDowngrade' | 'BudgetRestored' | 'RouterUnreachable' | 'CacheExactMatchOnly' | MountReason;
  message: string;
}

export interface RouterStatusResult {
  status: Omit<SemanticRouterStatus, 'conditions' | 'observedGeneration'>;
  conditions: ConditionInput[];
  events: RouterEvent[];
  /** When to poll again. */
  requeueAfterMs: number;
}

/**
 * Dollars for a printer column: cents from $1 up, four decimals below (a $0.001 budget must not read $0.00), and two
 * significant digits below $0.0001 (one cached answer of a cheap model saves $0.000016, which is not nothing).
 */
const usd = (n: number): string => n.toFixed(n >= 1 ? 2 : n > 0 && n < 0.0001 ? Math.min(10, 1 - Math.floor(Math.log10(n))) : 4);
const fixed = (n: number | null | undefined, digits: number): string | undefined =>
  n === null || n === undefined || !Number.isFinite(n) ? undefined : n.toFixed(digits);

/** Delay before the next poll: the interval, doubled per failure up to five minutes (never below the interval). */
export function pollDelayMs(intervalMs: number, failures: number): number {
  if (failures <= 0) return intervalMs;
  return Math.max(intervalMs, Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** (failures - 1)));
}

function knobOf(s: RouterStatus): string {
  if (s.budget?.mode === 'CheapestOnly') return 'cheapest-only (budget)';
  if (s.budget && s.budget.mode === 'Downgraded') return `lambda=${s.budget.effectiveLambda ?? '?'} (budget)`;
  if (s.policy.qualityThreshold !== null) return `minQuality=${s.policy.qualityThreshold}`;
  return `lambda=${s.policy.lambda ?? 0}`;
}

/** Fields read from the router's own status. */
export function numbersFrom(s: RouterStatus): Partial<SemanticRouterStatus> {
  const h = s.holdout;
  const accuracy = h?.routingAccuracy ?? s.live.accuracy;
  const cost = h?.costPerRequest ?? s.live.costPerRequest;
  const baselineCost = h ? h.baselineCostPerRequest : s.live.baselineCostPerRequest;
  const baselineAccuracy = h ? h.baselineAccuracy : s.live.baselineAccuracy;
  const out: Partial<SemanticRouterStatus> = {
    datasetSize: s.flywheel.datasetSize,
    modelVersion: s.modelVersion,
    effectiveKnob: knobOf(s),
  };
  const acc = fixed(accuracy, 3);
  if (acc) out.routingAccuracy = acc;
  const samples = h ? h.examples : s.live.pairedRecords;
  if (acc) out.routingAccuracySamples = samples;
  const base = fixed(baselineAccuracy, 3);
  if (base) out.baselineAccuracy = base;
  const c = fixed(cost, 6);
  if (c) out.costPerRequest = `$${c}`;
  if (cost !== null && cost !== undefined && baselineCost) out.savingVsBaseline = `${Math.round((1 - cost / baselineCost) * 100)}%`;
  const p99 = fixed(s.decisionMs.p99, 3);
  if (p99) out.decisionLatencyP99Ms = p99;
  if (s.trainer.lastRunAt) out.lastTrainedAt = s.trainer.lastRunAt;
  const rb = s.trainer.lastRollback;
  if (s.trainer.lastOutcome === 'RolledBack' && rb) {
    out.lastPromotion = {
      outcome: 'RolledBack',
      version: rb.to,
      message: `rolled back from ${rb.from}: it trailed ${rb.to} by ${rb.margin.toFixed(4)} online utility on ${rb.records} records it routed`,
      time: rb.at,
    };
  } else if (s.trainer.lastOutcome) {
    const margin = s.trainer.lastMargin;
    const by = margin === null ? '' : `${s.trainer.lastOutcome === 'Promoted' ? 'won' : 'lost'} by ${signedMargin(margin)} holdout utility`;
    out.lastPromotion = {
      outcome: s.trainer.lastOutcome,
      ...(s.trainer.lastCandidateVersion ? { version: s.trainer.lastCandidateVersion } : {}),
      ...(by ? { message: by } : s.trainer.lastMessage ? { message: s.trainer.lastMessage.slice(0, 1000) } : {}),
      ...(s.trainer.lastRunAt ? { time: s.trainer.lastRunAt } : {}),
    };
  }
  if (s.cache) out.cache = cacheNumbers(s.cache);
  if (s.budget) {
    out.spend = `$${usd(s.budget.spentUsd)}/$${usd(s.budget.limitUsd)}`;
    out.budget = {
      window: s.budget.window,
      windowStart: s.budget.windowStart,
      limitUsd: s.budget.limitUsd,
      spentUsd: s.budget.spentUsd,
      projectedUsd: s.budget.projectedUsd,
      mode: s.budget.mode,
    };
  }
  return out;
}

function eventsBetween(previous: SemanticRouterStatus | undefined, s: RouterStatus): RouterEvent[] {
  const events: RouterEvent[] = [];
  if (previous?.modelVersion && previous.modelVersion !== s.modelVersion) {
    if (s.previousVersions.includes(previous.modelVersion)) {
      const margin = s.trainer.lastMargin;
      events.push({
        type: 'Normal',
        reason: 'Promoted',
        message: `router model ${s.modelVersion} promoted over ${previous.modelVersion}${margin === null ? '' : ` (holdout utility ${signedMargin(margin)})`}`,
      });
    } else {
      const rb = s.trainer.lastRollback;
      const why = rb && rb.from === previous.modelVersion ? `: it trailed by ${rb.margin.toFixed(4)} online utility on ${rb.records} records` : '';
      events.push({ type: 'Warning', reason: 'RolledBack', message: `router model went back from ${previous.modelVersion} to ${s.modelVersion}${why}` });
    }
  }
  const before = previous?.budget?.mode ?? 'Normal';
  const now = s.budget?.mode ?? 'Normal';
  if (before !== now && s.budget) {
    const spend = `$${s.budget.spentUsd.toFixed(2)} of $${s.budget.limitUsd.toFixed(2)} this ${s.budget.window}, projected $${s.budget.projectedUsd.toFixed(2)}`;
    if (now === 'Normal') events.push({ type: 'Normal', reason: 'BudgetRestored', message: `budget no longer at risk (${spend})` });
    else if (now === 'CheapestOnly')
      events.push({
        type: 'Warning',
        reason: 'BudgetDowngrade',
        message: `${budgetSpent(s.budget) ? 'budget reached' : `at this pace the budget would not last the ${s.budget.window}`}: serving only the cheapest candidate (${spend})`,
      });
    else
      events.push({
        type: 'Warning',
        reason: 'BudgetDowngrade',
        message: `projected spend over budget: knob moved to λ=${s.budget.effectiveLambda} (${spend})`,
      });
  }
  // A cache that stops answering similar questions (a router restarted without its encoder or verifier) is a
  // change an administrator wants in `kubectl describe` history, not only in the current condition.
  if (s.cache && !s.cache.semantic && s.cache.semanticOff && previous?.cache?.mode !== 'exact-only') {
    events.push({ type: 'Warning', reason: 'CacheExactMatchOnly', message: `the cache answers identical questions only: ${s.cache.semanticOff}` });
  }
  return events;
}

export function semanticRouterStatus(input: {
  render: RouterRender | undefined;
  issues: readonly RouterIssue[];
  observed: RouterObservation;
  previous: SemanticRouterStatus | undefined;
  pollIntervalMs: number;
  /** A Secret or claim the router's pods need that is missing, phrased with its spec field (src/controllers/workload-mounts.ts). */
  mountError?: { reason: MountReason; message: string } | undefined;
  /** The first apply error, already phrased with the object it concerns. */
  applyError?: { reason: string; message: string } | undefined;
  /** What became of the router's provider entry in the console's ai-proxy.internal. */
  provider?: { result: 'written' | 'unchanged' | 'pluginMissing' } | { result: 'conflict'; message: string } | undefined;
}): RouterStatusResult {
  const { render, issues, observed, previous } = input;
  const blocking = issues.find((i) => i.blocking);
  const degraded = issues.filter((i) => !i.blocking);
  const conditions: ConditionInput[] = [];
  const events: RouterEvent[] = [];

  conditions.push(
    blocking
      ? { type: POOL_RESOLVED, status: 'False', reason: blocking.reason, message: blocking.message }
      : degraded.length > 0
        ? { type: POOL_RESOLVED, status: 'False', reason: degraded[0]!.reason, message: degraded.map((i) => i.message).join('; ') }
        : { type: POOL_RESOLVED, status: 'True', reason: 'CandidatesResolved', message: `routing between ${render?.candidates.join(', ') ?? ''}` },
  );

  const unreachable = observed.failures >= UNREACHABLE_AFTER;
  if (!observed.runtimeAvailable) {
    conditions.push({ type: REACHABLE, status: 'Unknown', reason: 'RuntimeNotAvailable', message: observed.runtimeMessage });
  } else if (observed.failures === 0) {
    conditions.push({ type: REACHABLE, status: 'True', reason: 'StatusRead', message: `read /status at ${observed.lastPolled ?? 'now'}` });
  } else {
    const next = Math.round(pollDelayMs(input.pollIntervalMs, observed.failures) / 1000);
    conditions.push({
      type: REACHABLE,
      status: unreachable ? 'False' : 'True',
      reason: unreachable ? 'RouterUnreachable' : 'PollFailed',
      message: `${observed.failures} consecutive /status polls failed (${observed.lastError ?? 'no answer'}); next try in ${next} s`,
    });
  }

  let ready: ConditionInput;
  if (blocking) ready = { type: READY, status: 'False', reason: blocking.reason, message: blocking.message };
  else if (input.mountError) ready = { type: READY, status: 'False', ...input.mountError };
  else if (input.applyError) ready = { type: READY, status: 'False', ...input.applyError };
  else if (!observed.runtimeAvailable) ready = { type: READY, status: 'False', reason: 'RuntimeNotAvailable', message: observed.runtimeMessage };
  else if (unreachable)
    ready = {
      type: READY,
      status: 'False',
      reason: 'RouterUnreachable',
      message: `router /status did not answer ${observed.failures} times: ${observed.lastError ?? ''}`,
    };
  else if (!observed.lastStatus) ready = { type: READY, status: 'False', reason: 'AwaitingStatus', message: 'waiting for the first /status' };
  else
    ready = {
      type: READY,
      status: 'True',
      reason: 'Routing',
      message: `model ${observed.lastStatus.modelVersion} routing between ${render?.candidates.length ?? 0} candidates`,
    };
  conditions.unshift(ready);
  // A missing Secret or claim keeps the pods from starting: said once in `kubectl describe`, when it starts.
  const was = previous?.conditions?.find((c) => c.type === READY);
  if (input.mountError && ready.reason === input.mountError.reason && (was?.reason !== ready.reason || was.message !== ready.message)) {
    events.push({ type: 'Warning', reason: input.mountError.reason, message: input.mountError.message });
  }
  if (unreachable && previous?.conditions?.find((c) => c.type === REACHABLE)?.status !== 'False') {
    events.push({ type: 'Warning', reason: 'RouterUnreachable', message: ready.message });
  }

  if (render && input.provider) {
    const p = input.provider;
    const where = `${render.gatewayNamespace}/ai-proxy.internal`;
    const routes = render.gateway.routes.map((r) => r.ingress.metadata.name).join(', ');
    conditions.push(
      p.result === 'written' || p.result === 'unchanged'
        ? { type: EXPOSED, status: 'True', reason: 'ConsoleProvider', message: `provider ${render.gateway.providerId} in ${where}; AI routes ${routes}` }
        : p.result === 'pluginMissing'
          ? {
              type: EXPOSED,
              status: 'False',
              reason: 'ProviderPluginMissing',
              message: `WasmPlugin ${where} not found (the console creates it with its first provider): AI routes ${routes} exist but have no provider config yet`,
            }
          : { type: EXPOSED, status: 'False', reason: 'ProviderConflict', message: 'message' in p ? p.message : 'provider entry conflict' },
    );
  }

  const named = render?.named;
  const namedRoute = render?.gateway.routes.find((r) => r.kind === 'named');
  conditions.push(
    !named
      ? { type: NAMED_MODEL_SAMPLING, status: 'Unknown', reason: 'NotRendered', message: `nothing rendered: ${blocking?.message ?? 'see Ready'}` }
      : named.active
        ? {
            type: NAMED_MODEL_SAMPLING,
            status: 'True',
            reason: named.reason,
            message: `${named.message} (AI route ${namedRoute?.ingress.metadata.name ?? '?'})`,
          }
        : { type: NAMED_MODEL_SAMPLING, status: 'False', reason: named.reason, message: named.message },
  );

  const s = observed.lastStatus;
  const numbers = s ? numbersFrom(s) : {};
  if (s) {
    events.push(...eventsBetween(previous, s));
    if (s.budget) {
      const b = s.budget;
      const spent = `spent $${b.spentUsd.toFixed(4)} of $${b.limitUsd} this ${b.window}`;
      conditions.push({
        type: BUDGET,
        status: b.mode === 'Normal' ? 'True' : 'False',
        reason: b.mode === 'Normal' ? 'WithinBudget' : b.mode !== 'CheapestOnly' ? 'Downgraded' : budgetSpent(b) ? 'BudgetReached' : 'BudgetPaceExceeded',
        message:
          b.mode !== 'CheapestOnly'
            ? `${spent}, projected $${b.projectedUsd.toFixed(4)}; knob ${numbers.effectiveKnob ?? ''}`
            : budgetSpent(b)
              ? `${spent}: only the cheapest candidate serves`
              : `${spent}; at this pace the configured knob would spend $${b.projectedUsd.toFixed(2)} by its end and no cheaper knob fits what is left: only the cheapest candidate serves`,
      });
    }
    if (s.cache && render?.config.cache) conditions.push(cacheCondition(s.cache));
    if (s.trainer.pinned) conditions.push(pinnedCondition(s.trainer.pinned, s.modelVersion));
    else if (s.trainer.lastOutcome) {
      conditions.push({
        type: TRAINED,
        status: s.trainer.lastOutcome === 'Promoted' || s.trainer.promotions > 0 ? 'True' : 'False',
        reason: s.trainer.lastOutcome,
        message: `${counted(s.trainer.runs, 'trainer run')}, ${counted(s.trainer.promotions, 'promotion')}; serving ${s.modelVersion}`,
      });
    }
  }

  // Numbers survive polls that failed: they are the last the router said, with lastPolled saying when.
  const kept: Partial<SemanticRouterStatus> = { ...(previous ?? {}) };
  delete kept.conditions;
  delete kept.observedGeneration;
  const status = {
    ...kept,
    ...numbers,
    ...(render ? { endpoint: render.endpoint, candidates: render.candidates, generatedObjects: render.generatedObjects } : {}),
    ...(s && observed.lastPolled ? { lastPolled: observed.lastPolled } : {}),
    // Without spec.cache the column says so rather than keep the numbers of a cache that was removed.
    ...(render && !render.config.cache ? { cache: { hitRate: 'off', mode: 'off' } } : {}),
  };
  return { status, conditions, events, requeueAfterMs: pollDelayMs(input.pollIntervalMs, observed.failures) };
}

/** The window's budget is spent (CheapestOnly then means that, not a pace the budget cannot keep). */
function budgetSpent(b: NonNullable<RouterStatus['budget']>): boolean {
  return b.spentUsd >= b.limitUsd;
}

/** The Trained condition while spec.trainer.pinnedVersion holds the router on one model. */
function pinnedCondition(pinned: NonNullable<RouterStatus['trainer']['pinned']>, serving: string): ConditionInput {
  const known = pinned.available.length > 0 ? listSome(pinned.available) : 'none yet';
  return pinned.found
    ? {
        type: TRAINED,
        status: 'True',
        reason: 'Pinned',
        message: `serving ${pinned.version} (spec.trainer.pinnedVersion); training, promotions and rollbacks paused`,
      }
    : {
        type: TRAINED,
        status: 'False',
        reason: 'PinnedVersionNotFound',
        message: `spec.trainer.pinnedVersion: ${pinned.version} is not among the router's versions (${known}); serving ${serving}, training paused`,
      };
}

type RouterCache = NonNullable<RouterStatus['cache']>;

function cacheMode(c: RouterCache): 'verified' | 'uncalibrated' | 'exact-only' {
  return !c.semantic ? 'exact-only' : c.calibrated ? 'verified' : 'uncalibrated';
}

function cacheNumbers(c: RouterCache): NonNullable<SemanticRouterStatus['cache']> {
  const hits = c.exactHits + c.semanticHits;
  return {
    hitRate: c.lookups > 0 ? (hits / c.lookups).toFixed(3) : '-',
    mode: cacheMode(c),
    lookups: c.lookups,
    exactHits: c.exactHits,
    semanticHits: c.semanticHits,
    ...(c.semanticHits > 0 ? { wrongHitEstimate: (c.wrongHitEstimate / c.semanticHits).toFixed(3) } : {}),
    tokensSaved: Math.round(c.tokensSaved),
    usdSaved: `$${usd(c.usdSaved)}`,
    entries: c.entries,
  };
}

/** The Cached condition: what the cache serves, and the spec field that would make it serve more. */
function cacheCondition(c: RouterCache): ConditionInput {
  const held = `${c.entries} entries, store ${c.storeUp ? 'up' : 'unreachable'}`;
  if (!c.storeUp) {
    return { type: CACHED, status: 'False', reason: 'StoreUnavailable', message: `the cache store does not answer: every lookup is a miss (${held})` };
  }
  if (!c.semantic) {
    const why = c.semanticOff ?? 'spec.cache.semantic is false';
    const fix = why.startsWith('Embedding')
      ? '; spec.cache.encoder mounts a sentence encoder'
      : why.startsWith('Verifier')
        ? '; spec.cache.verifier names the ConfigMap key with the verifier file'
        : why.startsWith('DeltaNotCertifiable')
          ? '; raise spec.cache.delta or calibrate the verifier on more labelled pairs'
          : '';
    return { type: CACHED, status: 'False', reason: 'ExactMatchOnly', message: `only identical questions are answered (${why})${fix} (${held})` };
  }
  if (!c.calibrated) {
    return {
      type: CACHED,
      status: 'False',
      reason: 'Uncalibrated',
      message: `spec.cache.verifier is not set: similar questions are served at a fixed cosine of 0.95 and delta ${c.delta} is not enforced (${held})`,
    };
  }
  return {
    type: CACHED,
    status: 'True',
    reason: 'Verified',
    message: `similar questions served when the verifier bounds wrong hits by delta ${c.delta} (embedder ${c.embedder}; ${held})`,
  };
}

/** A margin with its sign, to 4 places; one that rounds to zero reads +0.0000 (never "+-0.0000" or "-0.0000"). */
function signedMargin(margin: number): string {
  const text = Math.abs(margin) < 0.00005 ? '0.0000' : margin.toFixed(4);
  return text.startsWith('-') ? text : `+${text}`;
}
