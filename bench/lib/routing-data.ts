import { estimateTokens } from '../../src/simulator/answers.js';
import { loadModels, loadQuestions, renderQuestion, type QuestionRecord, type SimModel } from '../../src/simulator/data.js';
import type { CandidateModel, FlywheelRecord, ObservedAnswer } from '../../src/router/types.js';

// Routing-benchmark data helpers: question files → prompts, candidates and (for offline checks) the
// flywheel records a full fan-out would produce, computed straight from the per-model results.

export { loadModels, loadQuestions, renderQuestion, type QuestionRecord, type SimModel };

/** The dataset's flagship: the baseline the routing benches compare against and record with. */
export const FLAGSHIP = 'gpt-4o-2024-05-13';

export function candidatesFrom(models: readonly SimModel[]): CandidateModel[] {
  return models.map((m) => ({ name: m.id, pricePer1MInput: m.pricePer1MInput, pricePer1MOutput: m.pricePer1MOutput }));
}

export function costUsd(model: SimModel, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.pricePer1MInput + outputTokens * model.pricePer1MOutput) / 1e6;
}

/** What answering `q` with `model` would have cost and scored, from the dataset (no server). */
export function offlineAnswer(q: QuestionRecord, model: SimModel): ObservedAnswer {
  const prompt = renderQuestion(q);
  const inputTokens = estimateTokens(prompt);
  const r = q.results[model.id];
  const outputTokens = Math.max(1, r?.outTokens ?? 48);
  return {
    model: model.id,
    output: r?.pred ? `The answer is (${r.pred}).` : '',
    latencyMs: model.ttftMs + (outputTokens / model.outputTokensPerSecond) * 1000,
    inputTokens,
    outputTokens,
    costUsd: costUsd(model, inputTokens, outputTokens),
    score: r ? (r.correct ? 1 : 0) : null,
  };
}

/** The record a data-generation flywheel with fan-out to every model would store for `q`. */
export function offlineRecord(q: QuestionRecord, models: readonly SimModel[], primary: string): FlywheelRecord {
  const answers = models.map((m) => offlineAnswer(q, m));
  const p = answers.find((a) => a.model === primary) ?? answers[0]!;
  return {
    id: q.id,
    createdAt: new Date(0).toISOString(),
    prompt: renderQuestion(q),
    request: { model: 'auto', messages: [{ role: 'user', content: renderQuestion(q) }] },
    routerVersion: 'offline',
    primary: p,
    shadows: answers.filter((a) => a !== p),
  };
}
