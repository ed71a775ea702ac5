import { describe, expect, it } from '@jest/globals';
import { answerFor, streamPieces } from './answers.js';
import type { QuestionRecord, SimModel } from './data.js';
import { extractAnswerLetter } from './matcher.js';

const model: SimModel = { id: 'm1', pricePer1MInput: 1, pricePer1MOutput: 2, ttftMs: 100, outputTokensPerSecond: 50 };
const question = (pred: string, outTokens: number): QuestionRecord => ({
  id: '9',
  category: 'law',
  question: 'Q?',
  options: ['a', 'b', 'c'],
  answer: 'B',
  results: { m1: { pred, correct: pred === 'B', outTokens } },
});

describe('answerFor', () => {
  it("ends with the model's real choice at about the real length", () => {
    const a = answerFor(model, question('C', 300));
    expect(extractAnswerLetter(a.content)).toBe('C');
    expect(a.completionTokens).toBe(300);
    expect(Math.abs(a.content.length - 1200)).toBeLessThan(40);
  });
  it('answers without a letter when the real run had none', () => {
    expect(extractAnswerLetter(answerFor(model, question('', 20)).content)).toBeUndefined();
  });
  it('gives unknown prompts a generic answer', () => {
    const a = answerFor(model, undefined);
    expect(a.questionId).toBeUndefined();
    expect(a.content).toContain('m1');
  });
});

describe('streamPieces', () => {
  it('splits into pieces that reassemble exactly', () => {
    const text = answerFor(model, question('A', 120)).content;
    const pieces = streamPieces(text, 120);
    expect(pieces.join('')).toBe(text);
    expect(pieces.length).toBeGreaterThan(10);
  });
});
