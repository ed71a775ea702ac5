import { describe, expect, it } from '@jest/globals';
import { parseJudgeScore } from './evaluator.js';

describe('parseJudgeScore', () => {
  it.each([
    ['8', 0.8],
    [' 10. ', 1],
    ['I would give it 7/10 overall.', 0.7],
    ['Score: 3', 0.3],
    ['The score is 9.5', 0.95],
  ])('reads %j as %p', (text, score) => {
    expect(parseJudgeScore(text)).toBeCloseTo(score, 6);
  });
  it.each(['I am gpt-4o-2024-05-13, a simulated model.', '', '42', 'score: 11'])('refuses %j', (text) => {
    expect(parseJudgeScore(text)).toBeNull();
  });
});
