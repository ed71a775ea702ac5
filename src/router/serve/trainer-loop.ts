import type { RouterConfig } from '../config.js';
import type { RouterStatus } from '../status.js';
import type { FlywheelRecord, RouterModel } from '../types.js';
import type { FlywheelStore } from '../flywheel/store.js';
import type { RouterMetrics } from './metrics.js';
import { createLogger } from '../../util/log.js';
import { errorMessage } from '../../util/errors.js';

// Runs the decision core's trainer in the background when enough new flywheel records have arrived and
// hot-swaps the router model when the trainer promotes a candidate. The trainer itself (train, compare on
// holdout, promote only if it wins) belongs to the decision core; this loop only schedules and swaps.

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

export type TrainerFn = (input: {
  records: FlywheelRecord[];
  current: RouterModel;
  config: RouterConfig;
}) => Promise<TrainerOutcome>;

export interface ModelSlot {
  current(): RouterModel;
  swap(next: RouterModel): void;
}

export class TrainerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly previous: RouterModel[] = [];
  readonly state: RouterStatus['trainer'];
  holdout: HoldoutReport | null = null;

  constructor(
    private readonly config: RouterConfig,
    private readonly store: FlywheelStore,
    private readonly slot: ModelSlot,
    private readonly metrics: RouterMetrics,
    private readonly trainer: TrainerFn | undefined,
  ) {
    this.state = {
      state: config.trainer.enabled && trainer ? 'idle' : 'disabled',
      runs: 0,
      promotions: 0,
      lastRunAt: null,
      lastOutcome: null,
      lastMessage: null,
      recordsAtLastRun: 0,
      lastCandidateVersion: null,
      lastMargin: null,
      lastPromotionAt: null,
    };
  }

  start(): void {
    if (this.state.state === 'disabled') return;
    this.timer = setInterval(() => void this.maybeRun(), this.config.trainer.checkIntervalMs);
    this.timer.unref();
  }

  previousVersions(): string[] {
    return this.previous.map((m) => m.version).reverse();
  }

  /** Trains now if enough new records arrived (or `force`); resolves when that run has finished. */
  async maybeRun(force = false): Promise<void> {
    if (!this.trainer || this.state.state === 'disabled') return;
    if (this.running) return this.running;
    const count = await this.store.count();
    if (!force && count - this.state.recordsAtLastRun < this.config.trainer.minNewRecords) return;
    this.running = this.run(count).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Puts the previously promoted model back. */
  rollback(): RouterModel | undefined {
    const prev = this.previous.pop();
    if (prev) this.slot.swap(prev);
    return prev;
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
      const outcome = await trainer({ records, current, config: this.config });
      this.state.lastOutcome = outcome.outcome;
      this.state.lastMessage = outcome.message ?? null;
      this.state.lastCandidateVersion = outcome.candidateVersion ?? null;
      this.state.lastMargin = outcome.margin ?? null;
      if (outcome.holdout) this.holdout = { ...outcome.holdout, evaluatedAt: new Date().toISOString() };
      if (outcome.model) {
        this.previous.push(current);
        if (this.previous.length > 10) this.previous.shift();
        this.slot.swap(outcome.model);
        this.state.promotions++;
        this.state.lastPromotionAt = new Date().toISOString();
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
