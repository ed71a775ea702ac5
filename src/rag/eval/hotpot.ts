import { z } from 'zod';

// HotpotQA loader accepting both layouts: the Hugging Face dict-of-lists one (the shared file) and
// the original list-of-pairs one (`_id`, `context: [[title, [sentences]]]`, `supporting_facts:
// [[title, sent_id]]`). Either way the result is the same normalised record.

export interface HotpotParagraph {
  title: string;
  sentences: string[];
}

export interface HotpotQuestion {
  id: string;
  question: string;
  answer: string;
  type: string;
  paragraphs: HotpotParagraph[];
  /** Distinct titles of the supporting paragraphs. */
  goldTitles: string[];
  /** Supporting sentences as (title, sentence index) pairs. */
  supportingFacts: { title: string; sentence: number }[];
}

const hfRecord = z.object({
  id: z.string().optional(),
  _id: z.string().optional(),
  question: z.string(),
  answer: z.string(),
  type: z.string().optional(),
  supporting_facts: z.object({ title: z.array(z.string()), sent_id: z.array(z.number().int()) }),
  context: z.object({ title: z.array(z.string()), sentences: z.array(z.array(z.string())) }),
});

const originalRecord = z.object({
  _id: z.string().optional(),
  id: z.string().optional(),
  question: z.string(),
  answer: z.string(),
  type: z.string().optional(),
  supporting_facts: z.array(z.tuple([z.string(), z.number().int()])),
  context: z.array(z.tuple([z.string(), z.array(z.string())])),
});

function normalise(raw: unknown, position: number): HotpotQuestion {
  const fallbackId = `hp-dev-${String(position).padStart(3, '0')}`;
  const hf = hfRecord.safeParse(raw);
  let paragraphs: HotpotParagraph[];
  let facts: { title: string; sentence: number }[];
  let base: { id?: string | undefined; _id?: string | undefined; question: string; answer: string; type?: string | undefined };
  if (hf.success) {
    base = hf.data;
    paragraphs = hf.data.context.title.map((title, i) => ({ title, sentences: hf.data.context.sentences[i] ?? [] }));
    facts = hf.data.supporting_facts.title.map((title, i) => ({ title, sentence: hf.data.supporting_facts.sent_id[i] ?? 0 }));
  } else {
    const orig = originalRecord.safeParse(raw);
    if (!orig.success) throw new Error(`record ${position} matches neither HotpotQA layout: ${orig.error.message.slice(0, 300)}`);
    base = orig.data;
    paragraphs = orig.data.context.map(([title, sentences]) => ({ title, sentences }));
    facts = orig.data.supporting_facts.map(([title, sentence]) => ({ title, sentence }));
  }
  return {
    id: base._id ?? base.id ?? fallbackId,
    question: base.question,
    answer: base.answer,
    type: base.type ?? 'unknown',
    paragraphs,
    goldTitles: [...new Set(facts.map((f) => f.title))],
    supportingFacts: facts,
  };
}

export function parseHotpot(json: unknown): HotpotQuestion[] {
  if (!Array.isArray(json)) throw new Error('HotpotQA file must hold a JSON array');
  return json.map((r, i) => normalise(r, i));
}

export interface CorpusParagraph {
  /** Stable id: the title plus a short content hash, so identical paragraphs collapse to one. */
  id: string;
  title: string;
  sentences: string[];
}

/** All context paragraphs of all questions, deduplicated by title + text. */
export function corpusOf(questions: HotpotQuestion[], hash: (s: string) => string): CorpusParagraph[] {
  const seen = new Map<string, CorpusParagraph>();
  for (const q of questions) {
    for (const p of q.paragraphs) {
      const key = `${p.title}\n${p.sentences.join('')}`;
      if (!seen.has(key)) seen.set(key, { id: `${p.title}::${hash(key).slice(0, 8)}`, title: p.title, sentences: p.sentences });
    }
  }
  return [...seen.values()];
}

// HotpotQA answer normalisation (the official evaluation script): lower-case, drop punctuation and
// the articles a/an/the, collapse whitespace.
export function normaliseAnswer(s: string): string {
  return s
    .toLowerCase()
    .replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function exactMatch(prediction: string, gold: string): number {
  return normaliseAnswer(prediction) === normaliseAnswer(gold) ? 1 : 0;
}

export function tokenF1(prediction: string, gold: string): number {
  const p = normaliseAnswer(prediction);
  const g = normaliseAnswer(gold);
  const yesNo = ['yes', 'no', 'noanswer'];
  if ((yesNo.includes(p) || yesNo.includes(g)) && p !== g) return 0;
  const pt = p.split(' ').filter(Boolean);
  const gt = g.split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  for (const t of gt) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of pt) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      same++;
      counts.set(t, n - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pt.length;
  const recall = same / gt.length;
  return (2 * precision * recall) / (precision + recall);
}
