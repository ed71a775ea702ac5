import { seededRandom } from '../util/random.js';
import { F32Arena } from './f32-arena.js';

// Approximate nearest-neighbour search by inner product (cosine on normalised vectors) for the cache.
// Below `flatLimit` vectors it scans everything (exact). Above, it becomes an inverted-file index
// (IVF, Jégou et al. 2011, as in FAISS IndexIVFFlat): k-means centroids partition the vectors, a
// query scans only the `probes` lists whose centroids are closest. The partition is rebuilt each time
// the index doubles, so insert cost stays amortised O(lists · d). Vectors live in a WebAssembly
// arena (f32-arena.ts) scored by a SIMD dot product, and the vectors of one list sit in one
// contiguous run of rows: a scan then streams through memory (scattered rows cost 4× as much in
// cache misses, measured). A full list moves to a run twice its size at the end of the arena; the
// rebuild lays every list out afresh in a new arena, so the space left behind is bounded.

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

/** Keeps the k best (list, pos, score) seen. k is small (1–10), so an insertion list beats a heap. */
class TopK {
  readonly lists: Int32Array;
  readonly positions: Int32Array;
  readonly scores: Float64Array;
  length = 0;
  constructor(private readonly k: number) {
    this.lists = new Int32Array(k);
    this.positions = new Int32Array(k);
    this.scores = new Float64Array(k);
  }
  offer(list: number, pos: number, score: number): void {
    const k = this.k;
    if (this.length === k && score <= (this.scores[k - 1] as number)) return;
    let i = this.length < k ? this.length++ : k - 1;
    while (i > 0 && (this.scores[i - 1] as number) < score) {
      this.lists[i] = this.lists[i - 1] as number;
      this.positions[i] = this.positions[i - 1] as number;
      this.scores[i] = this.scores[i - 1] as number;
      i--;
    }
    this.lists[i] = list;
    this.positions[i] = pos;
    this.scores[i] = score;
  }
}

interface Place {
  list: number;
  pos: number;
}

/** A list's run of rows in the arena: rows start .. start + ids.length - 1 are used, capacity `cap`. */
interface Run {
  start: number;
  cap: number;
  ids: string[];
}

export class VectorIndex {
  private vectors: F32Arena;
  /** Next free row of the arena (row 0 is the query). */
  private top = 1;
  private runs: Run[];
  /** Row c + 1 holds centroid c; undefined while the index is flat. */
  private centroids: F32Arena | undefined;
  private readonly where = new Map<string, Place>();
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
    this.vectors = new F32Arena(dimensions);
    this.runs = [this.allocate(16)];
  }

  private allocate(cap: number): Run {
    const run = { start: this.top, cap, ids: [] };
    this.top += cap;
    this.vectors.ensure(this.top - 1);
    return run;
  }

  get size(): number {
    return this.where.size;
  }

  get partitions(): number {
    return this.runs.length;
  }

  /** Whether scans run on the WebAssembly SIMD kernel (else plain JS: no SIMD, or still small). */
  get simd(): boolean {
    return this.vectors.simd;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  /** A copy of the vector stored for `id`. */
  vector(id: string): Float32Array | undefined {
    const at = this.where.get(id);
    return at ? this.vectors.row((this.runs[at.list] as Run).start + at.pos).slice() : undefined;
  }

  add(id: string, v: Float32Array): void {
    if (v.length !== this.dimensions) throw new RangeError(`vector has ${v.length} dimensions, index ${this.dimensions}`);
    this.remove(id);
    const list = this.nearestList(v);
    let run = this.runs[list] as Run;
    if (run.ids.length === run.cap) {
      const moved = this.allocate(run.cap * 2);
      this.vectors.copyRows(run.start, moved.start, run.ids.length);
      moved.ids = run.ids;
      this.runs[list] = run = moved;
    }
    this.vectors.set(run.start + run.ids.length, v);
    this.where.set(id, { list, pos: run.ids.length });
    run.ids.push(id);
    if (this.size > this.flatLimit && this.size >= 2 * this.builtAt) this.rebuild();
  }

  remove(id: string): boolean {
    const at = this.where.get(id);
    if (!at) return false;
    const run = this.runs[at.list] as Run;
    const last = run.ids.length - 1;
    if (at.pos !== last) {
      this.vectors.copyRows(run.start + last, run.start + at.pos, 1);
      const movedId = run.ids[last] as string;
      run.ids[at.pos] = movedId;
      (this.where.get(movedId) as Place).pos = at.pos;
    }
    run.ids.pop();
    this.where.delete(id);
    return true;
  }

  clear(): void {
    this.where.clear();
    this.vectors = new F32Arena(this.dimensions);
    this.top = 1;
    this.runs = [this.allocate(16)];
    this.centroids = undefined;
    this.builtAt = 0;
  }

  search(q: Float32Array, k = 1): Neighbour[] {
    const top = new TopK(k);
    const vectors = this.vectors;
    const lists = this.nearestLists(q, this.probes);
    vectors.setQuery(q);
    for (const l of lists) {
      const run = this.runs[l] as Run;
      const n = run.ids.length;
      for (let p = 0; p < n; p++) top.offer(l, p, vectors.score(run.start + p));
    }
    return this.neighbours(top);
  }

  /** Exact search, for measuring the approximate one's recall. */
  searchExact(q: Float32Array, k = 1): Neighbour[] {
    const top = new TopK(k);
    this.vectors.setQuery(q);
    this.runs.forEach((run, l) => {
      for (let p = 0; p < run.ids.length; p++) top.offer(l, p, this.vectors.score(run.start + p));
    });
    return this.neighbours(top);
  }

  private neighbours(top: TopK): Neighbour[] {
    const out: Neighbour[] = [];
    for (let i = 0; i < top.length; i++)
      out.push({ id: (this.runs[top.lists[i] as number] as Run).ids[top.positions[i] as number] as string, score: top.scores[i] as number });
    return out;
  }

  private nearestLists(q: Float32Array, n: number): number[] {
    const centroids = this.centroids;
    const count = this.runs.length;
    if (!centroids || count === 1) return [0];
    const top = new TopK(Math.min(n, count));
    centroids.setQuery(q);
    for (let c = 0; c < count; c++) top.offer(c, 0, centroids.score(c + 1));
    return Array.from(top.lists.subarray(0, top.length));
  }

  private nearestList(v: Float32Array): number {
    const centroids = this.centroids;
    const count = this.runs.length;
    if (!centroids || count === 1) return 0;
    centroids.setQuery(v);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < count; c++) {
      const s = centroids.score(c + 1);
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    return best;
  }

  /**
   * k-means (spherical, a few Lloyd iterations on a sample) into ≈ 2·√n lists, then every vector is
   * copied into a new arena, list by list, each run with room to grow by half before it moves.
   */
  private rebuild(): void {
    const dim = this.dimensions;
    const old = this.vectors;
    const live: number[] = [];
    const liveIds: string[] = [];
    for (const run of this.runs)
      run.ids.forEach((id, p) => {
        live.push(run.start + p);
        liveIds.push(id);
      });
    const nlist = Math.max(2, Math.round(2 * Math.sqrt(live.length)));
    const sampleSize = Math.min(live.length, nlist * 16);
    const sample: number[] = [];
    for (let i = 0; i < sampleSize; i++) sample.push(live[Math.floor(this.random() * live.length)] as number);
    const centroids = new F32Arena(dim, nlist);
    centroids.ensure(nlist);
    for (let c = 0; c < nlist; c++) centroids.set(c + 1, old.row(sample[Math.floor(this.random() * sample.length)] as number));
    const nearest = (row: number): number => {
      centroids.setQuery(old.row(row));
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < nlist; c++) {
        const s = centroids.score(c + 1);
        if (s > bestScore) [best, bestScore] = [c, s];
      }
      return best;
    };
    for (let iter = 0; iter < 4; iter++) {
      const sums = new Float64Array(nlist * dim);
      const counts = new Uint32Array(nlist);
      for (const row of sample) {
        const best = nearest(row);
        counts[best] = (counts[best] as number) + 1;
        const v = old.row(row);
        for (let d = 0; d < dim; d++) sums[best * dim + d] = (sums[best * dim + d] as number) + (v[d] as number);
      }
      const centroid = new Float32Array(dim);
      for (let c = 0; c < nlist; c++) {
        if (counts[c] === 0) continue; // an empty cluster keeps its seed
        let norm = 0;
        for (let d = 0; d < dim; d++) norm += (sums[c * dim + d] as number) ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let d = 0; d < dim; d++) centroid[d] = (sums[c * dim + d] as number) / norm;
        centroids.set(c + 1, centroid);
      }
    }
    const assigned = Int32Array.from(live, nearest);
    const counts = new Uint32Array(nlist);
    for (const l of assigned) counts[l] = (counts[l] as number) + 1;
    this.vectors = new F32Arena(dim, Math.ceil(live.length * 1.5) + 16 * nlist);
    this.top = 1;
    this.runs = Array.from(counts, (n) => this.allocate(Math.max(16, Math.ceil(n * 1.5))));
    live.forEach((row, i) => {
      const list = assigned[i] as number;
      const run = this.runs[list] as Run;
      const id = liveIds[i] as string;
      this.vectors.set(run.start + run.ids.length, old.row(row));
      this.where.set(id, { list, pos: run.ids.length });
      run.ids.push(id);
    });
    this.centroids = centroids;
    this.builtAt = live.length;
  }
}
