import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ReasonError } from '../util/errors.js';

// The routing dataset (MMLU-Pro with real per-model answers). Loaded from ../shared/data/routing when the
// shared data exists, else from the small sample under test/fixtures/routing, so tests run anywhere.

export const modelResultSchema = z.object({
  pred: z.string(),
  correct: z.boolean(),
  outTokens: z.number().int().nonnegative(),
});

export const questionRecordSchema = z.object({
  id: z.string(),
  category: z.string(),
  src: z.string().optional(),
  question: z.string(),
  options: z.array(z.string()),
  answer: z.string(),
  results: z.record(z.string(), modelResultSchema),
});
export type QuestionRecord = z.infer<typeof questionRecordSchema>;

export const simModelSchema = z.object({
  id: z.string(),
  provider: z.string().optional(),
  pricePer1MInput: z.number().nonnegative(),
  pricePer1MOutput: z.number().nonnegative(),
  ttftMs: z.number().nonnegative(),
  outputTokensPerSecond: z.number().positive(),
  overallAccuracyTrainDev: z.number().optional(),
});
export type SimModel = z.infer<typeof simModelSchema>;

export class RoutingDataError extends ReasonError<'DataNotFound' | 'MalformedRecord'> {}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Directory holding models.json + questions.{train,dev}.jsonl: shared data first, then the sample. */
export function routingDataDir(): string {
  const candidates = [process.env.ROUTING_DATA_DIR, join(REPO_ROOT, '../shared/data/routing'), join(REPO_ROOT, 'test/fixtures/routing')];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'models.json'))) return dir;
  }
  throw new RoutingDataError('DataNotFound', `no routing data in ${candidates.filter(Boolean).join(', ')}`);
}

export function questionsPath(split: 'train' | 'dev', dir = routingDataDir()): string {
  return join(dir, `questions.${split}.jsonl`);
}

export function loadModels(path = join(routingDataDir(), 'models.json')): SimModel[] {
  const parsed = z.array(simModelSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new RoutingDataError('MalformedRecord', `${path}: ${parsed.error.message}`);
  return parsed.data;
}

export function loadQuestions(path: string): QuestionRecord[] {
  const out: QuestionRecord[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    const parsed = questionRecordSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new RoutingDataError('MalformedRecord', `${path}:${i + 1}: ${parsed.error.message}`);
    out.push(parsed.data);
  }
  return out;
}

const LETTERS = 'ABCDEFGHIJ';

/** The prompt a client sends for a question: stem plus lettered options (what GET /questions returns). */
export function renderQuestion(q: Pick<QuestionRecord, 'question' | 'options'>): string {
  const opts = q.options.map((o, i) => `(${LETTERS[i] ?? '?'}) ${o}`).join('\n');
  return `${q.question.trim()}\n\nOptions:\n${opts}`;
}
