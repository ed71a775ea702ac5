import type { QuestionRecord } from './data.js';

// Finds the dataset question a free-form prompt is about. Clients wrap questions in system prompts,
// "Question:" prefixes and their own option formatting, so matching is on normalized word sequences:
// the first few words of each stem index the question, every word position of the prompt is probed,
// and candidates are confirmed by the whole stem (then the options) appearing in the prompt.

const SIGNATURE_WORDS = 8;

export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
}

export class QuestionMatcher {
  private readonly bySignature = new Map<string, QuestionRecord[]>();
  private readonly byId = new Map<string, QuestionRecord>();
  private readonly stems = new Map<QuestionRecord, string>();
  private readonly signatureLengths = new Set<number>();

  constructor(questions: readonly QuestionRecord[]) {
    for (const q of questions) {
      this.byId.set(q.id, q);
      const words = normalizeWords(q.question);
      if (words.length === 0) continue;
      const n = Math.min(SIGNATURE_WORDS, words.length);
      this.signatureLengths.add(n);
      const key = words.slice(0, n).join(' ');
      const list = this.bySignature.get(key);
      if (list) list.push(q);
      else this.bySignature.set(key, [q]);
      this.stems.set(q, ` ${words.join(' ')} `);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  byQuestionId(id: string): QuestionRecord | undefined {
    return this.byId.get(id);
  }

  /** The question the text contains, or undefined. Prefers the longest stem, then the best option overlap. */
  match(text: string): QuestionRecord | undefined {
    const direct = this.byId.get(text.trim());
    if (direct) return direct;
    const words = normalizeWords(text);
    if (words.length === 0) return undefined;
    const haystack = ` ${words.join(' ')} `;
    const candidates = new Set<QuestionRecord>();
    for (let i = 0; i < words.length; i++) {
      for (const n of this.signatureLengths) {
        if (i + n > words.length) continue;
        const list = this.bySignature.get(words.slice(i, i + n).join(' '));
        if (!list) continue;
        for (const q of list) {
          const stem = this.stems.get(q);
          if (stem && haystack.includes(stem)) candidates.add(q);
        }
      }
    }
    let best: QuestionRecord | undefined;
    let bestScore = -1;
    for (const q of candidates) {
      const stemLen = this.stems.get(q)?.length ?? 0;
      const optionHits = q.options.filter((o) => {
        const ow = normalizeWords(o).join(' ');
        return ow.length > 0 && haystack.includes(` ${ow} `);
      }).length;
      const score = stemLen * 100 + optionHits;
      if (score > bestScore) {
        best = q;
        bestScore = score;
      }
    }
    return best;
  }
}

/** The letter an answer commits to: the last "answer is (X)", else the last "(X)", else undefined. */
export function extractAnswerLetter(answer: string): string | undefined {
  const explicit = [...answer.matchAll(/answer is:?\s*\(?([A-J])\)?(?![a-z])/gi)];
  const lastExplicit = explicit.at(-1)?.[1];
  if (lastExplicit) return lastExplicit.toUpperCase();
  const paren = [...answer.matchAll(/\(([A-J])\)/g)];
  return paren.at(-1)?.[1];
}
