import type { QuestionRecord, SimModel } from './data.js';

// What a simulated model says: filler reasoning of about the real run's length, ending in the real run's
// choice. Deterministic per (model, question) so benchmarks are reproducible.

export interface SimAnswer {
  content: string;
  completionTokens: number;
  /** Dataset question id when the prompt matched one. */
  questionId?: string;
}

const CHARS_PER_TOKEN = 4;
const FILLER =
  'Let us reason about each option in turn, eliminating those that contradict the facts stated in the question. ' +
  'We compare the remaining candidates carefully against the definitions involved and check the arithmetic. ';
const GENERIC_TOKENS = 48;

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil([...text].length / CHARS_PER_TOKEN));
}

function filler(chars: number): string {
  if (chars <= 0) return '';
  const reps = Math.ceil(chars / FILLER.length);
  return FILLER.repeat(reps).slice(0, chars).trimEnd();
}

export function answerFor(model: SimModel, question: QuestionRecord | undefined): SimAnswer {
  if (!question) {
    const content = `I am ${model.id}, a simulated model. ${filler(GENERIC_TOKENS * CHARS_PER_TOKEN - 40)}`;
    return { content, completionTokens: GENERIC_TOKENS };
  }
  const result = question.results[model.id];
  const tokens = Math.max(1, result?.outTokens ?? GENERIC_TOKENS);
  const ending = result?.pred ? `The answer is (${result.pred}).` : 'I cannot determine which option is correct.';
  const body = filler(tokens * CHARS_PER_TOKEN - ending.length - 1);
  const content = body ? `${body} ${ending}` : ending;
  return { content, completionTokens: tokens, questionId: question.id };
}

/** Splits content into about `tokens` stream pieces (word-aligned where possible). */
export function streamPieces(content: string, tokens: number): string[] {
  const words = content.split(/(?<= )/);
  const pieces = Math.max(1, Math.min(tokens, words.length));
  const perPiece = Math.ceil(words.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += perPiece) out.push(words.slice(i, i + perPiece).join(''));
  return out;
}
