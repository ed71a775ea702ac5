import type { RouterConfig } from '../config.js';
import type { RouterStatus } from '../status.js';
import type { FlywheelRecord, RouterModel } from '../types.js';
import type { FlywheelStore } from '../flywheel/store.js';
import { compare } from '../training/compare.js';
import type { RouterModelVersionStore } from '../training/version-store.js';
import type { RouterMetrics } from './metrics.js';
import type { PinnedModel } from './initial-model.js';
import { createLogger } from '../../util/log.js';
import { errorMessage } from '../../util/errors.js';

// Runs the decision core's trainer in the background when enough new flywheel records have arrived and
// hot-swaps the router model when the trainer promotes a candidate. The trainer itself (train, compare on
// holdout, promote only if it wins) belongs to the decision core; this loop only schedules and swaps.
// After a promotion it also watches the new model online and rolls back when the old one was better
// (config.trainer.rollback): the holdout that promoted it is one sample, the traffic it then routes is fresh.

const log = createLogger('router.trainer');

export type HoldoutReport = NonNullable<RouterStatus['holdout']>;

export interface TrainerOutcome {
  /** CamelCase, e.g. "Promoted", "CandidateLost", "NotEnoughData". */
  outcome: string;
  /** The new model, present only when promoted. */
  model?: RouterModel;
  message?: string;
  holdout?: Omit<HoldoutReport, 'evaluatedAt'>;
  /** Version of the candidate that was trained (promoted or not). */
  candidateVersion?: string;
  /** Mean holdout utility of the candidate minus the serving model's (won or lost by how much). */
  margin?: number;
}

export type TrainerFn = (input: { records: FlywheelRecord[]; current: RouterModel; config: RouterConfig }) => Promise<TrainerOutcome>;

export interface ModelSlot {
  current(): RouterModel;
  swap(next: RouterModel): void;
}

interface Served {
  model: RouterModel;
  holdout: HoldoutReport | null;
}

export class TrainerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly previous: Served[] = [];
  /** Store size at the last probation check: the online comparison reruns only when records arrived. */
  private probationCheckedAt = -1;
  readonly state: RouterStatus['trainer'];
  holdout: HoldoutReport | null = null;

  constructor(
    private readonly config: RouterConfig,
    private readonly store: FlywheelStore,
    private readonly slot: ModelSlot,
    private readonly metrics: RouterMetrics,
    private readonly trainer: TrainerFn | undefined,
    /** The promotion history on the volume: a rollback moves it back too, so a restart serves the same model. */
    private readonly versions?: RouterModelVersionStore,
    /** trainer.pinnedVersion as the start found it: no training, promotion or rollback while it is set. */
    pinned?: PinnedModel,
  ) {
    this.state = {
      state: pinned ? 'pinned' : config.trainer.enabled && trainer ? 'idle' : 'disabled',
      pinned: pinned ?? null,
      runs: 0,
      promotions: 0,
      lastRunAt: null,
      lastOutcome: null,
      lastMessage: null,
      recordsAtLastRun: 0,
      lastCandidateVersion: null,
      lastMargin: null,
      lastPromotionAt: null,
      rollbacks: 0,
      lastRollback: null,
      probation: null,
    };
  }

  start(): void {
    if (this.state.state === 'disabled' || this.state.state === 'pinned') return;
    this.timer = setInterval(() => void this.maybeRun(), this.config.trainer.checkIntervalMs);
    this.timer.unref();
  }

  previousVersions(): string[] {
    return this.previous.map((p) => p.model.version).reverse();
  }

  /** Trains now if enough new records arrived (or `force`); resolves when that run has finished. */
  async maybeRun(force = false): Promise<void> {
    if (!this.trainer || this.state.state === 'disabled' || this.state.state === 'pinned') return;
    if (this.running) return this.running;
    const count = await this.store.count();
    await this.checkProbation(count);
    if (!force && count - this.state.recordsAtLastRun < this.config.trainer.minNewRecords) return;
    this.running = this.run(count).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * The online check of the last promotion: the records the promoted model routed itself, replayed
   * through the previous model. The previous model must win the promotion gate's own paired test at
   * `rollback.margin`; then it serves again. Until enough paired records exist the verdict is pending.
   */
  private async checkProbation(count: number): Promise<void> {
    const cfg = this.config.trainer.rollback;
    const probation = this.state.probation;
    const prev = this.previous.at(-1);
    if (!cfg.enabled || !probation || !prev || count === this.probationCheckedAt) return;
    this.probationCheckedAt = count;
    const current = this.slot.current();
    if (current.version !== probation.version) return void (this.state.probation = null);
    const online = (await this.store.all()).filter((r) => r.routerVersion === current.version);
    const lambda = this.config.policy.qualityThreshold === undefined ? this.config.policy.lambda : 0;
    const c = compare(prev.model, current, online, { lambda, minMargin: cfg.margin, minRecords: cfg.minRecords });
    const meanDelta = c.records > 0 ? -c.meanDelta : null;
    if (!c.candidateWins) {
      this.state.probation = { ...probation, records: c.records, meanDelta, verdict: c.reason === 'TooFewRecords' ? 'Pending' : 'Holding' };
      return;
    }
    await this.rollback({ margin: c.meanDelta, records: c.records });
  }

  /** Puts the previously promoted model back (after an online regression) and says so in the state. */
  async rollback(why: { margin: number; records: number } = { margin: 0, records: 0 }): Promise<RouterModel | undefined> {
    const prev = this.previous.pop();
    if (!prev) return undefined;
    const from = this.slot.current().version;
    this.slot.swap(prev.model);
    this.holdout = prev.holdout;
    await this.versions
      ?.rollback()
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'version store did not roll back; a restart serves the rolled-back model'));
    const at = new Date().toISOString();
    this.state.rollbacks++;
    this.state.lastRollback = { from, to: prev.model.version, trigger: 'OnlineRegression', margin: why.margin, records: why.records, at };
    this.state.lastOutcome = 'RolledBack';
    this.state.lastMessage = `${from} trailed ${prev.model.version} by ${why.margin.toFixed(4)} online utility on ${why.records} records`;
    this.state.lastCandidateVersion = prev.model.version;
    this.state.lastMargin = why.margin;
    this.state.probation = null;
    this.metrics.trainerRuns.inc({ outcome: 'RolledBack' });
    log.warn({ from, to: prev.model.version, margin: why.margin, records: why.records }, 'router model rolled back');
    return prev.model;
  }

  private async run(count: number): Promise<void> {
    const trainer = this.trainer;
    if (!trainer) return;
    this.state.state = 'training';
    this.state.runs++;
    this.state.lastRunAt = new Date().toISOString();
    this.state.recordsAtLastRun = count;
    try {
      const records = await this.store.all();
      const current = this.slot.current();
      const previousHoldout = this.holdout;
      const outcome = await trainer({ records, current, config: this.config });
      this.state.lastOutcome = outcome.outcome;
      this.state.lastMessage = outcome.message ?? null;
      this.state.lastCandidateVersion = outcome.candidateVersion ?? null;
      this.state.lastMargin = outcome.margin ?? null;
      if (outcome.holdout) this.holdout = { ...outcome.holdout, evaluatedAt: new Date().toISOString() };
      if (outcome.model) {
        this.previous.push({ model: current, holdout: previousHoldout });
        if (this.previous.length > 10) this.previous.shift();
        this.slot.swap(outcome.model);
        this.state.promotions++;
        this.state.lastPromotionAt = new Date().toISOString();
        this.state.probation = { version: outcome.model.version, previousVersion: current.version, records: 0, meanDelta: null, verdict: 'Pending' };
        this.probationCheckedAt = count;
        log.info({ from: current.version, to: outcome.model.version }, 'router model promoted');
      }
      this.metrics.trainerRuns.inc({ outcome: outcome.outcome });
    } catch (err) {
      this.state.lastOutcome = 'TrainingFailed';
      this.state.lastMessage = errorMessage(err);
      this.metrics.trainerRuns.inc({ outcome: 'TrainingFailed' });
      log.warn({ err: errorMessage(err) }, 'trainer run failed');
    } finally {
      this.state.state = 'idle';
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
