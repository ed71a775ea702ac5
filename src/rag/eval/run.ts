import type { EvalResult, EvalSet } from '../config.js';
import type { RagService } from '../service.js';
import { mean, precisionAt, recallAt, reciprocalRank } from './metrics.js';

/** Run an eval set through the full pipeline: document-level recall@5, precision@5 and MRR. */
export async function evaluate(rag: RagService, set: EvalSet): Promise<EvalResult> {
  const recall: number[] = [];
  const precision: number[] = [];
  const rr: number[] = [];
  for (const q of set) {
    const result = await rag.search(q.question);
    const ranked = [...new Set(result.ranked.map((c) => c.chunk.docId))];
    recall.push(recallAt(ranked, q.relevant, 5));
    precision.push(precisionAt(ranked, q.relevant, 5));
    rr.push(reciprocalRank(ranked, q.relevant));
  }
  return {
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    questions: set.length,
    recallAt5: mean(recall),
    precisionAt5: mean(precision),
    mrr: mean(rr),
  };
}
