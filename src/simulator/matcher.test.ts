import { describe, expect, it } from '@jest/globals';
import type { QuestionRecord } from './data.js';
import { renderQuestion } from './data.js';
import { extractAnswerLetter, QuestionMatcher } from './matcher.js';

function q(id: string, question: string, options: string[], answer = 'A'): QuestionRecord {
  return { id, category: 'math', question, options, answer, results: {} };
}

const questions = [
  q('1', 'What is the capital of France?', ['Paris', 'Rome', 'Berlin']),
  q('2', 'What is the capital of France? Consider the year 1000.', ['Paris', 'Laon', 'Aachen'], 'B'),
  q('3', 'Compute 2 + 2.', ['3', '4'], 'B'),
  q('4', 'Compute 2 + 2.', ['4', '5'], 'A'),
];
const matcher = new QuestionMatcher(questions);

describe('QuestionMatcher', () => {
  it('finds a question wrapped in a system prompt with other whitespace and punctuation', () => {
    const prompt = `You are an expert.\n\nQUESTION:   what is the CAPITAL of   France ?\n A) Paris\n B) Rome`;
    expect(matcher.match(prompt)?.id).toBe('1');
  });

  it('prefers the longest stem contained in the prompt', () => {
    expect(matcher.match(renderQuestion(questions[1]!))?.id).toBe('2');
  });

  it('uses the options to tell apart questions with the same stem', () => {
    expect(matcher.match(renderQuestion(questions[3]!))?.id).toBe('4');
    expect(matcher.match(renderQuestion(questions[2]!))?.id).toBe('3');
  });

  it('matches by id and returns undefined for unknown text', () => {
    expect(matcher.match('3')?.id).toBe('3');
    expect(matcher.match('Tell me a joke about routers')).toBeUndefined();
    expect(matcher.match('')).toBeUndefined();
  });
});

describe('extractAnswerLetter', () => {
  it('takes the last explicit "answer is" letter', () => {
    expect(extractAnswerLetter('Maybe (B). Therefore the answer is (C).')).toBe('C');
    expect(extractAnswerLetter('the answer is: d')).toBe('D');
  });
  it('falls back to the last parenthesised letter and else finds none', () => {
    expect(extractAnswerLetter('I pick (E)')).toBe('E');
    expect(extractAnswerLetter('I cannot determine which option is correct.')).toBeUndefined();
  });
});
