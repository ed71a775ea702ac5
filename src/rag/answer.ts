import { RagError } from './errors.js';
import type { ChatClient } from './llm.js';
import type { ContextPassage } from './types.js';

export interface Citation {
  marker: number;
  docId: string;
  title: string;
  source: string;
}

export interface AnswerResult {
  answer: string;
  citations: Citation[];
}

export function answerPrompt(question: string, context: ContextPassage[]): string {
  const blocks = context.map((p, i) => `[${i + 1}] ${p.title}\n${p.sentences.map((s) => s.text).join(' ')}`);
  return [
    'Answer the question using only the numbered passages. Cite passages as [n] after the claims they support.',
    'If the passages do not contain the answer, say so. Keep the answer short.',
    '',
    blocks.join('\n\n'),
    '',
    `Question: ${question}`,
  ].join('\n');
}

/** Markers the model actually used, mapped back to source ids; unknown markers are dropped. */
export function citationsIn(answer: string, context: ContextPassage[]): Citation[] {
  const used = new Set<number>();
  for (const m of answer.matchAll(/\[(\d+)\]/g)) used.add(Number(m[1]));
  return [...used]
    .sort((a, b) => a - b)
    .flatMap((n) => {
      const p = context[n - 1];
      return p ? [{ marker: n, docId: p.docId, title: p.title, source: p.source }] : [];
    });
}

export async function generateAnswer(llm: ChatClient | undefined, question: string, context: ContextPassage[]): Promise<AnswerResult> {
  if (!llm) throw new RagError('LlmUnavailable', 'no LLM configured (config.llm is absent); use the search tool instead');
  const answer = await llm.complete([{ role: 'user', content: answerPrompt(question, context) }], { maxTokens: 256 });
  return { answer: answer.trim(), citations: citationsIn(answer, context) };
}
