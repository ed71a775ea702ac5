import { terms } from './text.js';
import { type Chunk, chunkText } from './types.js';

// Okapi BM25 (Robertson & Zaragoza 2009) over an in-memory inverted index. The store holds the
// durable copy of every chunk; this index is rebuilt from it on start and updated on ingest.
// k1/b are the textbook defaults, not tuned.
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

interface Posting {
  doc: number;
  tf: number;
}

export class SparseIndex {
  private readonly chunks: (Chunk | undefined)[] = [];
  private readonly lengths: number[] = [];
  private readonly slotById = new Map<string, number>();
  private readonly postings = new Map<string, Posting[]>();
  private readonly docFreq = new Map<string, number>();
  private totalLength = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  get(id: string): Chunk | undefined {
    const slot = this.slotById.get(id);
    return slot === undefined ? undefined : this.chunks[slot];
  }

  add(chunk: Chunk): void {
    this.remove(chunk.id);
    const slot = this.chunks.length;
    const ts = terms(`${chunk.title} ${chunkText(chunk)}`);
    const tf = new Map<string, number>();
    for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
      let list = this.postings.get(t);
      if (!list) this.postings.set(t, (list = []));
      list.push({ doc: slot, tf: n });
    }
    this.chunks.push(chunk);
    this.lengths.push(ts.length);
    this.slotById.set(chunk.id, slot);
    this.totalLength += ts.length;
    this.live++;
  }

  // Tombstones keep removal O(1); postings of dead slots are skipped at query time.
  remove(id: string): void {
    const slot = this.slotById.get(id);
    const chunk = slot === undefined ? undefined : this.chunks[slot];
    if (slot === undefined || !chunk) return;
    for (const t of new Set(terms(`${chunk.title} ${chunkText(chunk)}`))) this.docFreq.set(t, (this.docFreq.get(t) ?? 1) - 1);
    this.chunks[slot] = undefined;
    this.totalLength -= this.lengths[slot] ?? 0;
    this.slotById.delete(id);
    this.live--;
  }

  removeDocuments(docIds: Set<string>): void {
    for (const [id, slot] of [...this.slotById]) if (docIds.has(this.chunks[slot]?.docId ?? '')) this.remove(id);
  }

  /** Whether any live passage holds the term. */
  has(term: string): boolean {
    return (this.docFreq.get(term) ?? 0) > 0;
  }

  /** Inverse document frequency with the BM25+ style floor at 0 (never negative). */
  idf(term: string): number {
    const df = this.docFreq.get(term) ?? 0;
    return Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
  }

  search(query: string, k: number): { chunk: Chunk; score: number }[] {
    const qTerms = [...new Set(terms(query))];
    const avgdl = this.live > 0 ? this.totalLength / this.live : 1;
    // Dense accumulator indexed by slot plus the list of touched slots: no Map churn on long
    // posting lists (common terms touch most of a 10k-chunk index).
    const acc = new Float64Array(this.chunks.length);
    const touched: number[] = [];
    for (const t of qTerms) {
      const list = this.postings.get(t);
      if (!list) continue;
      const idf = this.idf(t);
      for (const p of list) {
        if (this.chunks[p.doc] === undefined) continue;
        const dl = this.lengths[p.doc] ?? 0;
        if (acc[p.doc] === 0) touched.push(p.doc);
        acc[p.doc] = (acc[p.doc] ?? 0) + (idf * p.tf * (BM25_K1 + 1)) / (p.tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgdl));
      }
    }
    const ranked = topK(touched, acc, k);
    const out: { chunk: Chunk; score: number }[] = [];
    for (const slot of ranked) {
      const chunk = this.chunks[slot];
      if (chunk) out.push({ chunk, score: acc[slot] ?? 0 });
    }
    return out;
  }
}

/** The k slots with the highest scores, best first (a bounded insertion list: k is small). */
function topK(slots: number[], scores: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (const s of slots) {
    const v = scores[s] ?? 0;
    if (best.length === k && v <= (scores[best[k - 1] ?? 0] ?? 0)) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(s);
    while (i > 0 && (scores[best[i - 1] ?? 0] ?? 0) < v) {
      best[i] = best[i - 1] ?? 0;
      i--;
    }
    best[i] = s;
  }
  return best;
}
