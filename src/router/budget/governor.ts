import type { Decision, RankedModel } from '../types.js';

// Budget-aware downgrade. Instead of failing requests when spend would pass a budget (LiteLLM stops, Envoy AI
// Gateway answers 429), the router moves its cost/quality knob λ along its own measured curve towards cheaper
// models, and at the budget serves only the cheapest candidate.
//
// The curve is measured, not assumed: every routed decision carries each eligible model's expected quality
// and cost, so for the last few hundred decisions the governor knows what each λ would have picked and
// cost. A calibration factor (actual spend / expected cost of what was served) corrects the predictions.
// Each request then gets the smallest λ (best quality) whose calibrated cost per request fits the budget
// left divided by the requests still expected in the window (request rate so far × time left).
//
// Spend is one number per window for every router sharing a flywheel store (SQLite on the volume, PostgreSQL for
// replicas): the server adds this process's spend to the store's ledger every second and reads the total back
// (`takeUnshared` / `settle`). Without that a restart mid-window forgot what was spent and N replicas each spent
// the whole budget. The rate is measured from when the window was first observed (this process's start or the
// ledger's first entry), not from the window's start: a router started at 23:00 on a daily budget saw 23 hours
// of no traffic and projected almost nothing.

export type BudgetWindow = 'hour' | 'day' | 'month';
export type BudgetMode = 'Normal' | 'Downgraded' | 'CheapestOnly';

export interface BudgetConfig {
  limitUsd: number;
  window: BudgetWindow;
}

export interface BudgetState {
  window: BudgetWindow;
  windowStart: string;
  limitUsd: number;
  spentUsd: number;
  /** Spend at the end of the window if the rest of it ran at the unconstrained knob. */
  projectedUsd: number;
  mode: BudgetMode;
  /** λ serving now; null in CheapestOnly mode or when the base policy is not a λ. */
  effectiveLambda: number | null;
  requests: number;
  /** Times the mode left Normal in this process. */
  downgrades: number;
}

/** A window's spend as the shared ledger holds it (every router writing the store, past processes included). */
export interface WindowSpend {
  usd: number;
  requests: number;
  /** When the ledger first saw this window (ISO): the start of its request rate. */
  firstAt: string;
}

/** Spend this process counted and has not yet added to the ledger, for the window `window`. */
export interface SpendDelta {
  window: string;
  usd: number;
  requests: number;
  /** Now (ISO): opens the window's ledger entry. */
  at: string;
}

/** λ steps the governor may move to (quality points per USD), beyond the configured one. */
export const DOWNGRADE_LAMBDAS = [0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000, 1e4, 1e5];

const CURVE_SAMPLES = 256;
/** The curve is recomputed after this many new decisions (a request then costs O(1), not O(samples × λs)). */
const CURVE_REFRESH = 16;
/** Below this many requests in a window there is no rate to project from. */
const MIN_REQUESTS = 20;

export function windowBounds(window: BudgetWindow, nowMs: number): { start: number; end: number } {
  const d = new Date(nowMs);
  if (window === 'hour') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
    return { start, end: start + 3_600_000 };
  }
  if (window === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

type Options = Pick<RankedModel, 'expectedQuality' | 'expectedCost'>[];

export class BudgetGovernor {
  private start = 0;
  private end = 0;
  /** When this process began observing the current window. */
  private observedSince = 0;
  /** The ledger's total as last read (undefined: never read this window, or no ledger). */
  private shared: WindowSpend | undefined;
  /** Counted here, handed to the ledger, total not read back yet. */
  private inFlight = { usd: 0, requests: 0 };
  /** Counted here, not handed to the ledger yet. */
  private pending = { usd: 0, requests: 0 };
  /** Σ actual cost and Σ expected cost of served routed requests (calibration). */
  private actual = 0;
  private expected = 0;
  private readonly recent: Options[] = [];
  private next = 0;
  private mode: BudgetMode = 'Normal';
  private lambda: number | null;
  private downgrades = 0;
  private readonly curve = new Map<number, number>();
  private sinceRefresh = 0;

  constructor(
    private readonly config: BudgetConfig,
    /** The configured λ; undefined when the policy is a quality threshold (then λ steps start at 0). */
    private readonly baseLambda: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.lambda = baseLambda ?? null;
    this.roll(now());
  }

  /** Re-ranks a routed decision for the budget; Normal mode returns it unchanged. */
  apply(decision: Decision): Decision {
    this.remember(decision.ranked);
    const knob = this.choose();
    if (knob.mode === 'Normal' || decision.ranked.length <= 1) return decision;
    const ranked = decision.ranked.map((r) => ({ ...r }));
    if (knob.mode === 'CheapestOnly') {
      ranked.sort((a, b) => a.expectedCost - b.expectedCost);
      ranked.forEach((r, i) => (r.utility = (ranked.length - i) / ranked.length));
      return { ...decision, model: ranked[0]!.model, ranked, reason: 'BudgetCheapestOnly' };
    }
    const lambda = knob.lambda ?? 0;
    for (const r of ranked) r.utility = r.expectedQuality - lambda * r.expectedCost;
    ranked.sort((a, b) => b.utility - a.utility || a.expectedCost - b.expectedCost);
    return { ...decision, model: ranked[0]!.model, ranked, reason: ranked[0]!.model === decision.model ? decision.reason : 'BudgetDowngrade' };
  }

  /** Counts a served request's cost; `expectedCostUsd` only for routed requests (calibration). */
  recordSpend(costUsd: number, expectedCostUsd?: number): void {
    this.maybeRoll();
    this.pending.usd += costUsd;
    this.pending.requests++;
    if (expectedCostUsd !== undefined && expectedCostUsd > 0) {
      this.actual += costUsd;
      this.expected += expectedCostUsd;
    }
  }

  state(): BudgetState {
    this.maybeRoll();
    const base = this.curveCost(this.baseLambda ?? 0) * this.calibration();
    const spent = this.spent();
    return {
      window: this.config.window,
      windowStart: new Date(this.start).toISOString(),
      limitUsd: this.config.limitUsd,
      spentUsd: spent,
      projectedUsd: spent + (Number.isFinite(base) ? base * this.remainingRequests() : 0),
      mode: this.mode,
      effectiveLambda: this.mode === 'CheapestOnly' ? null : this.lambda,
      requests: this.requests(),
      downgrades: this.downgrades,
    };
  }

  /** Hands what this process counted since the last call to the caller, who adds it to the ledger. */
  takeUnshared(): SpendDelta {
    this.maybeRoll();
    const delta = { window: this.windowKey(), usd: this.pending.usd, requests: this.pending.requests, at: new Date(this.now()).toISOString() };
    this.inFlight = { usd: this.inFlight.usd + delta.usd, requests: this.inFlight.requests + delta.requests };
    this.pending = { usd: 0, requests: 0 };
    return delta;
  }

  /** The ledger took `delta` and now holds `total` for its window (every writer's spend). */
  settle(delta: SpendDelta, total: WindowSpend): void {
    this.maybeRoll();
    if (delta.window !== this.windowKey()) return;
    this.shared = total;
    this.landed(delta);
  }

  /** The ledger could not take `delta`: it is counted here until the next try. */
  unsettled(delta: SpendDelta): void {
    this.maybeRoll();
    if (delta.window !== this.windowKey()) return;
    this.landed(delta);
    this.pending = { usd: this.pending.usd + delta.usd, requests: this.pending.requests + delta.requests };
  }

  /** `delta` is no longer on its way to the ledger (taken in, or handed back). */
  private landed(delta: SpendDelta): void {
    this.inFlight = { usd: Math.max(0, this.inFlight.usd - delta.usd), requests: Math.max(0, this.inFlight.requests - delta.requests) };
  }

  private windowKey(): string {
    return `${this.config.window}:${new Date(this.start).toISOString()}`;
  }

  private spent(): number {
    return (this.shared?.usd ?? 0) + this.inFlight.usd + this.pending.usd;
  }

  private requests(): number {
    return (this.shared?.requests ?? 0) + this.inFlight.requests + this.pending.requests;
  }

  /** The knob for the next request. */
  private choose(): { mode: BudgetMode; lambda?: number } {
    this.maybeRoll();
    const left = this.config.limitUsd - this.spent();
    let next: { mode: BudgetMode; lambda?: number };
    if (left <= 0) next = { mode: 'CheapestOnly' };
    else if (this.requests() < MIN_REQUESTS || this.recent.length === 0) next = { mode: 'Normal' };
    else {
      const target = left / Math.max(1, this.remainingRequests());
      const k = this.calibration();
      const base = this.baseLambda ?? 0;
      next = { mode: 'CheapestOnly' };
      // Smallest λ (best quality) at or above the configured one whose calibrated cost fits.
      for (const lambda of [base, ...DOWNGRADE_LAMBDAS.filter((l) => l > base)]) {
        if (this.curveCost(lambda) * k <= target) {
          next = lambda === base && this.baseLambda !== undefined ? { mode: 'Normal' } : { mode: 'Downgraded', lambda };
          break;
        }
      }
    }
    if (next.mode !== 'Normal' && this.mode === 'Normal') this.downgrades++;
    this.mode = next.mode;
    this.lambda = next.mode === 'Normal' ? (this.baseLambda ?? null) : (next.lambda ?? null);
    return next;
  }

  private remember(ranked: readonly RankedModel[]): void {
    if (ranked.length === 0) return;
    const options = ranked.map((r) => ({ expectedQuality: r.expectedQuality, expectedCost: r.expectedCost }));
    if (this.recent.length < CURVE_SAMPLES) this.recent.push(options);
    else this.recent[this.next] = options;
    this.next = (this.next + 1) % CURVE_SAMPLES;
    if (++this.sinceRefresh >= CURVE_REFRESH || this.recent.length < CURVE_REFRESH) {
      this.curve.clear();
      this.sinceRefresh = 0;
    }
  }

  /** Mean expected cost per request of what `lambda` would pick, over the recent decisions. */
  private curveCost(lambda: number): number {
    if (this.recent.length === 0) return NaN;
    const cached = this.curve.get(lambda);
    if (cached !== undefined) return cached;
    let sum = 0;
    for (const options of this.recent) {
      let pick = options[0]!;
      let best = -Infinity;
      for (const o of options) {
        const u = o.expectedQuality - lambda * o.expectedCost;
        if (u > best || (u === best && o.expectedCost < pick.expectedCost)) {
          best = u;
          pick = o;
        }
      }
      sum += pick.expectedCost;
    }
    const cost = sum / this.recent.length;
    this.curve.set(lambda, cost);
    return cost;
  }

  private calibration(): number {
    return this.expected > 0 ? this.actual / this.expected : 1;
  }

  private remainingRequests(): number {
    const t = this.now();
    const firstAt = this.shared ? Date.parse(this.shared.firstAt) : NaN;
    const since = Math.max(this.start, Number.isFinite(firstAt) ? Math.min(firstAt, this.observedSince) : this.observedSince);
    const elapsed = Math.max(1, t - since);
    return (this.requests() / elapsed) * Math.max(0, this.end - t);
  }

  private maybeRoll(): void {
    const t = this.now();
    if (t >= this.end || t < this.start) this.roll(t);
  }

  private roll(t: number): void {
    const { start, end } = windowBounds(this.config.window, t);
    // The first window is observed from now; a later one from its start (this process was running through it).
    this.observedSince = this.end === 0 ? t : start;
    this.start = start;
    this.end = end;
    this.shared = undefined;
    this.inFlight = { usd: 0, requests: 0 };
    this.pending = { usd: 0, requests: 0 };
    this.actual = 0;
    this.expected = 0;
    this.mode = 'Normal';
    this.lambda = this.baseLambda ?? null;
  }
}
