import { seededRandom } from '../util/random.js';

// Approximate nearest-neighbour search by inner product (cosine on normalised vectors) for the cache.
// Below `flatLimit` vectors it scans everything (exact). Above, it becomes an inverted-file index
// (IVF, Jégou et al. 2011, as in FAISS IndexIVFFlat): k-means centroids partition the vectors, a
// query scans only the `probes` lists whose centroids are closest. The partition is rebuilt each time
// the index doubles, so insert cost stays amortised O(lists · d). Vectors of one list sit in one
// contiguous Float32Array so a scan is a tight loop over memory.

export interface Neighbour {
  id: string;
  score: number;
}

export interface VectorIndexOptions {
  /** Exact scan up to this many vectors. */
  flatLimit?: number;
  /** Lists scanned per query once partitioned. */
  probes?: number;
  seed?: number;
}

class PostingList {
  ids: string[] = [];
  data: Float32Array;
  constructor(private readonly dim: number) {
    this.data = new Float32Array(dim * 16);
  }
  get size(): number {
    return this.ids.length;
  }
  push(id: string, v: Float32Array): number {
    const n = this.ids.length;
    if ((n + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(v, n * this.dim);
    this.ids.push(id);
    return n;
  }
  /** Swap-removes position `pos`; returns the id that moved into it (if any). */
  removeAt(pos: number): string | undefined {
    const last = this.ids.length - 1;
    if (pos !== last) {
      this.data.copyWithin(pos * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[pos] = this.ids[last] as string;
    }
    this.ids.pop();
    return pos !== last ? this.ids[pos] : undefined;
  }
  vector(pos: number): Float32Array {
    return this.data.subarray(pos * this.dim, (pos + 1) * this.dim);
  }
}

function dotAt(a: Float32Array, b: Float32Array, offset: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += (a[i] as number) * (b[offset + i] as number);
    s1 += (a[i + 1] as number) * (b[offset + i + 1] as number);
    s2 += (a[i + 2] as number) * (b[offset + i + 2] as number);
    s3 += (a[i + 3] as number) * (b[offset + i + 3] as number);
  }
  for (; i < dim; i++) s0 += (a[i] as number) * (b[offset + i] as number);
  return s0 + s1 + s2 + s3;
}

/** Keeps the k best (id, score) pairs seen. k is small (1–10), so an insertion list beats a heap. */
class TopK {
  readonly items: Neighbour[] = [];
  constructor(private readonly k: number) {}
  offer(id: string, score: number): void {
    if (this.items.length === this.k && score <= (this.items[this.k - 1] as Neighbour).score) return;
    let i = this.items.length;
    this.items.push({ id, score });
    while (i > 0 && (this.items[i - 1] as Neighbour).score < score) {
      this.items[i] = this.items[i - 1] as Neighbour;
      i--;
    }
    this.items[i] = { id, score };
    if (this.items.length > this.k) this.items.pop();
  }
}

export class VectorIndex {
  private lists: PostingList[];
  private centroids = new Float32Array(0);
  private readonly where = new Map<string, { list: number; pos: number }>();
  private builtAt = 0;
  private readonly flatLimit: number;
  private readonly probes: number;
  private readonly random: () => number;

  constructor(
    readonly dimensions: number,
    opts: VectorIndexOptions = {},
  ) {
    this.flatLimit = opts.flatLimit ?? 4096;
    this.probes = opts.probes ?? 12;
    this.random = seededRandom(opts.seed ?? 1);
    this.lists = [new PostingList(dimensions)];
  }

  get size(): number {
    return this.where.size;
  }

  get partitions(): number {
    return this.lists.length;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  add(id: string, v: Float32Array): void {
    if (v.length !== this.dimensions) throw new RangeError(`vector has ${v.length} dimensions, index ${this.dimensions}`);
    this.remove(id);
    const list = this.nearestLists(v, 1)[0] ?? 0;
    const pos = (this.lists[list] as PostingList).push(id, v);
    this.where.set(id, { list, pos });
    if (this.size > this.flatLimit && this.size >= 2 * this.builtAt) this.rebuild();
  }

  remove(id: string): boolean {
    const at = this.where.get(id);
    if (!at) return false;
    const moved = (this.lists[at.list] as PostingList).removeAt(at.pos);
    if (moved !== undefined) this.where.set(moved, { list: at.list, pos: at.pos });
    this.where.delete(id);
    return true;
  }

  clear(): void {
    this.where.clear();
    this.lists = [new PostingList(this.dimensions)];
    this.centroids = new Float32Array(0);
    this.builtAt = 0;
  }

  search(q: Float32Array, k = 1): Neighbour[] {
    const top = new TopK(k);
    const dim = this.dimensions;
    for (const l of this.nearestLists(q, this.probes)) {
      const list = this.lists[l] as PostingList;
      for (let p = 0; p < list.size; p++) top.offer(list.ids[p] as string, dotAt(q, list.data, p * dim, dim));
    }
    return top.items;
  }

  /** Exact search, for measuring the approximate one's recall. */
  searchExact(q: Float32Array, k = 1): Neighbour[] {
    const top = new TopK(k);
    for (const list of this.lists)
      for (let p = 0; p < list.size; p++) top.offer(list.ids[p] as string, dotAt(q, list.data, p * this.dimensions, this.dimensions));
    return top.items;
  }

  private nearestLists(q: Float32Array, n: number): number[] {
    const count = this.lists.length;
    if (count === 1) return [0];
    const top = new TopK(Math.min(n, count));
    for (let c = 0; c < count; c++) top.offer(String(c), dotAt(q, this.centroids, c * this.dimensions, this.dimensions));
    return top.items.map((t) => Number(t.id));
  }

  /** k-means (spherical, a few Lloyd iterations on a sample) into ≈ 2·√n lists, then reassign all. */
  private rebuild(): void {
    const dim = this.dimensions;
    const all: { id: string; v: Float32Array }[] = [];
    for (const list of this.lists) for (let p = 0; p < list.size; p++) all.push({ id: list.ids[p] as string, v: list.vector(p).slice() });
    const nlist = Math.max(2, Math.round(2 * Math.sqrt(all.length)));
    const sampleSize = Math.min(all.length, nlist * 16);
    const sample: Float32Array[] = [];
    for (let i = 0; i < sampleSize; i++) sample.push((all[Math.floor(this.random() * all.length)] as { v: Float32Array }).v);
    const centroids = new Float32Array(nlist * dim);
    for (let c = 0; c < nlist; c++) centroids.set(sample[Math.floor(this.random() * sample.length)] as Float32Array, c * dim);
    for (let iter = 0; iter < 4; iter++) {
      const sums = new Float32Array(nlist * dim);
      const counts = new Uint32Array(nlist);
      for (const v of sample) {
        let best = 0;
        let bestScore = -Infinity;
        for (let c = 0; c < nlist; c++) {
          const s = dotAt(v, centroids, c * dim, dim);
          if (s > bestScore) [best, bestScore] = [c, s];
        }
        counts[best] = (counts[best] as number) + 1;
        for (let d = 0; d < dim; d++) sums[best * dim + d] = (sums[best * dim + d] as number) + (v[d] as number);
      }
      for (let c = 0; c < nlist; c++) {
        if (counts[c] === 0) continue; // an empty cluster keeps its seed
        let norm = 0;
        for (let d = 0; d < dim; d++) norm += (sums[c * dim + d] as number) ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let d = 0; d < dim; d++) centroids[c * dim + d] = (sums[c * dim + d] as number) / norm;
      }
    }
    this.centroids = centroids;
    this.lists = Array.from({ length: nlist }, () => new PostingList(dim));
    this.where.clear();
    this.builtAt = all.length;
    for (const { id, v } of all) {
      const list = this.nearestLists(v, 1)[0] as number;
      this.where.set(id, { list, pos: (this.lists[list] as PostingList).push(id, v) });
    }
  }
}
