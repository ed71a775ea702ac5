import { describe, expect, it } from '@jest/globals';
import { contentWords, FEATURE_NAMES, pairFeatures } from './pair-features.js';

const side = (text: string) => ({ text, vector: Float32Array.from([1, 0]) });
const feature = (a: string, b: string, name: (typeof FEATURE_NAMES)[number]) => pairFeatures(side(a), side(b))[FEATURE_NAMES.indexOf(name)];

describe('pair features', () => {
  it('reads Chinese as character pairs, as the RAG terms do', () => {
    expect([...contentWords('如何重置密码 in Higress')].sort()).toEqual(['higress', '如何', '密码', '置密', '重置', '何重'].sort());
  });

  it('tells Chinese question kinds apart, and not their synonyms', () => {
    expect(feature('怎么重置密码？', '如何重置密码？', 'questionWordMismatch')).toBe(0);
    expect(feature('怎么重置密码？', '为什么要重置密码？', 'questionWordMismatch')).toBe(1);
    expect(feature('密码什么时候过期？', '密码为什么过期？', 'questionWordMismatch')).toBe(1);
    expect(feature('How do I reset it?', 'Why do I reset it?', 'questionWordMismatch')).toBe(1);
  });

  it('reads full-width digits as the numbers they are', () => {
    expect(feature('第２步是什么？', '第2步是什么？', 'numberMismatch')).toBe(0);
    expect(feature('第２步是什么？', '第3步是什么？', 'numberMismatch')).toBe(1);
  });
});
