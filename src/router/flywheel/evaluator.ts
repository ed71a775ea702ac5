import type { RouterConfig } from '../config.js';
import type { Upstream } from '../serve/upstream.js';
import { parseCompletionJson } from './capture.js';

// Scores an answer 0..1, or null when it cannot be scored. Two sources: a `/v1/evaluate` service
// ({question, answer} → {score}, −1 = invalid; the #2946 contract) or an LLM of the pool acting as judge.

export interface Evaluator {
  readonly kind: string;
  score(question: string, answer: string): Promise<number | null>;
}

export class EvaluateEndpoint implements Evaluator {
  readonly kind = 'evaluate';
  constructor(
    private readonly upstream: Upstream,
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async score(question: string, answer: string): Promise<number | null> {
    const res = await this.upstream.postJson('/v1/evaluate', { question, answer }, this.timeoutMs, this.baseUrl);
    const score = res.body && typeof res.body === 'object' && 'score' in res.body ? Number(res.body.score) : NaN;
    if (res.status !== 200 || !Number.isFinite(score) || score < 0) return null;
    return Math.min(1, score);
  }
}

const JUDGE_PROMPT = `You grade answers. Read the question and the candidate answer, then reply with only a number from 0 to 10
(10 = fully correct and helpful, 0 = wrong or empty).`;

export class LlmJudge implements Evaluator {
  readonly kind = 'llm-judge';
  constructor(
    private readonly upstream: Upstream,
    private readonly model: string,
    private readonly timeoutMs: number,
  ) {}

  async score(question: string, answer: string): Promise<number | null> {
    if (answer.trim() === '') return null;
    const res = await this.upstream.postJson(
      '/chat/completions',
      {
        model: this.model,
        temperature: 0,
        messages: [
          { role: 'system', content: JUDGE_PROMPT },
          { role: 'user', content: `Question:\n${question}\n\nCandidate answer:\n${answer}\n\nScore (0-10):` },
        ],
      },
      this.timeoutMs,
    );
    if (res.status !== 200) return null;
    return parseJudgeScore(parseCompletionJson(res.body)?.output ?? '');
  }
}

/**
 * The judge's 0..10 grade as 0..1. Only a bare number, "N/10" or "score: N" count: the first number
 * anywhere in a chatty reply (a model name, a year) is not a grade.
 */
export function parseJudgeScore(text: string): number | null {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\.?$/.exec(t) ?? /(\d+(?:\.\d+)?)\s*\/\s*10\b/.exec(t) ?? /score\s*(?:is|of|=|:)?\s*(\d+(?:\.\d+)?)/i.exec(t);
  if (!m?.[1]) return null;
  const v = Number(m[1]);
  return v >= 0 && v <= 10 ? v / 10 : null;
}

export class NoEvaluator implements Evaluator {
  readonly kind = 'none';
  score(): Promise<number | null> {
    return Promise.resolve(null);
  }
}

export function createEvaluator(config: RouterConfig['flywheel']['evaluator'], upstream: Upstream): Evaluator {
  switch (config.kind) {
    case 'evaluate':
      return new EvaluateEndpoint(upstream, config.url ?? upstream.origin, config.timeoutMs);
    case 'llm-judge':
      return new LlmJudge(upstream, config.model, config.timeoutMs);
    case 'none':
      return new NoEvaluator();
  }
}
