import { randomUUID } from 'node:crypto';
import type { RouterConfig } from '../config.js';
import type { RouterMetrics } from '../serve/metrics.js';
import type { Upstream } from '../serve/upstream.js';
import { isEligible } from '../decision/policy.js';
import type { CandidateModel, FlywheelRecord, ObservedAnswer } from '../types.js';
import { createLogger } from '../../util/log.js';
import { parseCompletionJson, type CapturedAnswer } from './capture.js';
import type { Evaluator } from './evaluator.js';
import type { FlywheelStore } from './store.js';
import { errorMessage } from '../../util/errors.js';

// The data flywheel: after a sampled user answer has completed, the same request goes to the baseline
// (and optionally K more models), every answer is scored, and one record is appended to the store.
// Jobs run on a bounded in-memory queue; the user path only ever pays for a push (or a counted drop).

const log = createLogger('router.flywheel');

export interface PrimaryObservation {
  prompt: string;
  /** The request body as the client sent it. */
  request: Record<string, unknown>;
  routerVersion: string;
  model: string;
  answer: CapturedAnswer;
  latencyMs: number;
  /** Prompt token estimate, used when the upstream reported no usage. */
  promptTokens: number;
  /** What the request needs of a model (images, tools), as its routing decision saw it. */
  requiredCapabilities?: string[];
}

export interface FlywheelOptions {
  config: RouterConfig['flywheel'];
  baselineModel: string;
  models: readonly CandidateModel[];
  store: FlywheelStore;
  upstream: Upstream;
  evaluator: Evaluator;
  metrics: RouterMetrics;
  shadowTimeoutMs: number;
  random?: () => number;
  /** Called after each durable append (live cost/quality stats). */
  onRecord?: (record: FlywheelRecord) => void;
}

const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

export function costUsd(model: CandidateModel | undefined, inputTokens: number, outputTokens: number): number {
  if (!model) return 0;
  return (inputTokens * model.pricePer1MInput + outputTokens * model.pricePer1MOutput) / 1e6;
}

export class Flywheel {
  private readonly queue: PrimaryObservation[] = [];
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly modelByName: Map<string, CandidateModel>;
  private readonly random: () => number;
  private closed = false;

  constructor(private readonly opts: FlywheelOptions) {
    this.modelByName = new Map(opts.models.map((m) => [m.name, m]));
    this.random = opts.random ?? Math.random;
  }

  get enabled(): boolean {
    return this.opts.config.mode === 'data-generation' && this.opts.config.sampleRate > 0;
  }

  /** Decided before forwarding, so only sampled answers are captured. */
  sample(): boolean {
    return this.enabled && !this.closed && this.random() < this.opts.config.sampleRate;
  }

  get depth(): number {
    return this.queue.length + this.active;
  }

  /** Queues a completed, sampled user answer; false (and a drop counted) when the queue is full. */
  submit(obs: PrimaryObservation): boolean {
    if (this.closed) return false;
    if (this.depth >= this.opts.config.queueSize) {
      this.opts.metrics.flywheelDropped.inc({ why: 'queue_full' });
      return false;
    }
    this.queue.push(obs);
    this.opts.metrics.flywheelEnqueued.inc();
    this.opts.metrics.flywheelQueueDepth.set(this.depth);
    this.pump();
    return true;
  }

  /** Resolves when no job is queued or running (tests, benchmarks, graceful shutdown). */
  drain(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private pump(): void {
    while (this.active < this.opts.config.concurrency && this.queue.length > 0) {
      const job = this.queue.shift();
      if (!job) break;
      this.active++;
      void this.process(job)
        .catch((err: unknown) => {
          this.opts.metrics.flywheelFailed.inc({ stage: 'store' });
          log.warn({ err: errorMessage(err) }, 'flywheel record lost');
        })
        .finally(() => {
          this.active--;
          this.opts.metrics.flywheelQueueDepth.set(this.depth);
          this.pump();
          if (this.depth === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  /**
   * The baseline plus the fan-out models, never the model that already answered, and only models that can take
   * the request (its images, tools and length, as routing decides: when none can, all are asked).
   */
  shadowModels(primary: string, need: { promptTokens: number; requiredCapabilities?: string[] } = { promptTokens: 0 }): string[] {
    const { baselineModel } = this.opts;
    const able = this.opts.models.filter((m) => isEligible(m, { prompt: '', ...need }, 0));
    const askable = new Set((able.length > 0 ? able : this.opts.models).map((m) => m.name));
    const others = this.opts.models.map((m) => m.name).filter((n) => n !== primary && n !== baselineModel && askable.has(n));
    const fanOut = this.opts.config.fanOut;
    let extra: string[];
    if (fanOut === 'all') extra = others;
    else {
      extra = [];
      const pool = [...others];
      for (let i = 0; i < fanOut && pool.length > 0; i++) {
        const [pick] = pool.splice(Math.floor(this.random() * pool.length), 1);
        if (pick) extra.push(pick);
      }
    }
    return primary === baselineModel || !askable.has(baselineModel) ? extra : [baselineModel, ...extra];
  }

  private async shadowAnswer(obs: PrimaryObservation, model: string): Promise<ObservedAnswer | undefined> {
    const body: Record<string, unknown> = { ...obs.request, model, stream: false };
    delete body.stream_options;
    const started = performance.now();
    try {
      const res = await this.opts.upstream.postJson('/chat/completions', body, this.opts.shadowTimeoutMs);
      const answer = res.status === 200 ? parseCompletionJson(res.body) : undefined;
      if (!answer) {
        this.opts.metrics.flywheelFailed.inc({ stage: 'shadow' });
        return undefined;
      }
      return this.observed(model, answer, performance.now() - started, obs.promptTokens);
    } catch {
      this.opts.metrics.flywheelFailed.inc({ stage: 'shadow' });
      return undefined;
    }
  }

  private observed(model: string, answer: CapturedAnswer, latencyMs: number, promptEstimate: number): ObservedAnswer {
    const inputTokens = answer.promptTokens ?? promptEstimate;
    const outputTokens = answer.completionTokens ?? estimateTokens(answer.output);
    return {
      model,
      output: answer.output,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      inputTokens,
      outputTokens,
      costUsd: costUsd(this.modelByName.get(model), inputTokens, outputTokens),
      score: null,
    };
  }

  private async scoreOf(prompt: string, answer: ObservedAnswer): Promise<number | null> {
    try {
      return await this.opts.evaluator.score(prompt, answer.output);
    } catch {
      this.opts.metrics.flywheelFailed.inc({ stage: 'evaluate' });
      return null;
    }
  }

  private async process(obs: PrimaryObservation): Promise<void> {
    const primary = this.observed(obs.model, obs.answer, obs.latencyMs, obs.promptTokens);
    const shadows = (await Promise.all(this.shadowModels(obs.model, obs).map((m) => this.shadowAnswer(obs, m)))).filter(
      (a): a is ObservedAnswer => a !== undefined,
    );
    const answers = [primary, ...shadows];
    const scores = await Promise.all(answers.map((a) => this.scoreOf(obs.prompt, a)));
    answers.forEach((a, i) => {
      a.score = scores[i] ?? null;
    });
    const record: FlywheelRecord = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      prompt: obs.prompt,
      request: obs.request,
      routerVersion: obs.routerVersion,
      primary,
      shadows,
    };
    await this.opts.store.append(record);
    this.opts.metrics.flywheelRecorded.inc();
    this.opts.metrics.datasetSize.inc();
    this.opts.onRecord?.(record);
  }
}
