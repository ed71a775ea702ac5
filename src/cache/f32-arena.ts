// Rows of float32 vectors in one WebAssembly memory, scored against a query row with a SIMD dot
// product. Plain JS multiplies one float pair at a time in double precision; the f32x4 loop below does
// four per instruction with four independent accumulators, which is what makes a 100k-entry IVF scan
// fit in a millisecond or two (docs/evaluation/cache.md). Row 0 is the query scratch row: `setQuery`
// copies the query there once, `score(row)` is then one call with no copies. Where WebAssembly SIMD is
// missing, or the dimension is not a multiple of 16 floats, the same rows are scored in JS.

// The global WebAssembly API, as far as used here: the project's lib settings (ES2023 + @types/node)
// do not declare it, and pulling in the DOM lib for it would admit browser globals everywhere.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
};

const leb = (n: number): number[] => {
  const out: number[] = [];
  let rest = n;
  do {
    let b = rest & 0x7f;
    rest >>>= 7;
    if (rest) b |= 0x80;
    out.push(b);
  } while (rest);
  return out;
};
const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * `dot(a, b, n) -> f32` over byte offsets a, b in the imported memory, n floats (n % 16 == 0).
 * Written as bytes so no toolchain is needed; the opcodes are those of the WebAssembly SIMD proposal
 * (v128.load 0xfd00, f32x4.add 0xfde4, f32x4.mul 0xfde6, f32x4.extract_lane 0xfd1f).
 */
function dotModuleBytes(): Uint8Array {
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const load = (local: number, offset: number): number[] => [...get(local), 0xfd, 0x00, 0x04, ...leb(offset)];
  const mul = [0xfd, ...leb(0xe6)];
  const add = [0xfd, ...leb(0xe4)];
  const i32const64 = [0x41, 0xc0, 0x00]; // signed LEB128 of 64
  const lane = (k: number): number[] => [...get(3), 0xfd, 0x1f, k];
  // locals: 0 a, 1 b, 2 n (params); 3..6 four v128 accumulators; 7 end of a.
  const body = [
    0x02,
    0x04,
    0x7b,
    0x01,
    0x7f,
    ...get(0),
    ...get(2),
    0x41,
    2,
    0x74, // i32.shl: n * 4 bytes
    0x6a,
    ...set(7),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    ...get(0),
    ...get(7),
    0x4f, // i32.ge_u
    0x0d,
    1, // br_if out of the block
    ...[0, 1, 2, 3].flatMap((k) => [...get(3 + k), ...load(0, 16 * k), ...load(1, 16 * k), ...mul, ...add, ...set(3 + k)]),
    ...get(0),
    ...i32const64,
    0x6a,
    ...set(0),
    ...get(1),
    ...i32const64,
    0x6a,
    ...set(1),
    0x0c,
    0, // br to the loop
    0x0b,
    0x0b,
    ...get(3),
    ...get(4),
    ...add,
    ...get(5),
    ...add,
    ...get(6),
    ...add,
    ...set(3),
    ...lane(0),
    ...lane(1),
    0x92, // f32.add
    ...lane(2),
    0x92,
    ...lane(3),
    0x92,
    0x0b,
  ];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7d]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('dot'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

let compiled: WasmModule | null | undefined;
function dotModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      const bytes = dotModuleBytes();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether rows of this dimension are scored by the SIMD kernel (else by the JS loop). */
export function simdAvailable(dim: number): boolean {
  return dim > 0 && dim % 16 === 0 && dotModule() !== null;
}

const PAGE = 65536;

export class F32Arena {
  private memory: WasmMemory | undefined;
  private wasmDot: ((a: number, b: number, n: number) => number) | undefined;
  /** Rows 1..capacity-1 are usable; row 0 holds the query. */
  private rowsCapacity: number;
  private view: Float32Array;
  private readonly rowBytes: number;

  constructor(
    readonly dim: number,
    initialRows = 16,
  ) {
    this.rowBytes = dim * 4;
    this.rowsCapacity = Math.max(2, initialRows + 1);
    this.view = new Float32Array(this.rowsCapacity * dim);
    this.toWasmIfLarge();
  }

  /**
   * A WebAssembly memory is 64 KiB at least, and the cache keeps one index per scope (consumer × model
   * × system prompt × conversation): small arenas stay plain arrays, scored in JS, and move into a
   * WebAssembly memory once they fill a page (≈ 40 rows of 384 floats), where SIMD starts to pay.
   */
  private toWasmIfLarge(): void {
    if (this.memory || this.rowsCapacity * this.rowBytes < PAGE || !simdAvailable(this.dim)) return;
    const mod = dotModule() as WasmModule;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.rowsCapacity * this.rowBytes) / PAGE) });
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    const view = new Float32Array(memory.buffer);
    view.set(this.view);
    this.memory = memory;
    this.wasmDot = instance.exports.dot as (a: number, b: number, n: number) => number;
    this.view = view;
    this.rowsCapacity = Math.floor(memory.buffer.byteLength / this.rowBytes);
  }

  get simd(): boolean {
    return this.wasmDot !== undefined;
  }

  /** Usable rows (1..capacity-1). */
  get capacity(): number {
    return this.rowsCapacity - 1;
  }

  /** Makes rows up to `row` addressable (grows by doubling: amortised O(1) per row). */
  ensure(row: number): void {
    if (row < this.rowsCapacity) return;
    const want = Math.max(row + 1, this.rowsCapacity * 2);
    if (this.memory) {
      const needBytes = want * this.rowBytes;
      this.memory.grow(Math.ceil((needBytes - this.memory.buffer.byteLength) / PAGE));
      this.view = new Float32Array(this.memory.buffer);
      this.rowsCapacity = Math.floor(this.memory.buffer.byteLength / this.rowBytes);
    } else {
      const grown = new Float32Array(want * this.dim);
      grown.set(this.view);
      this.view = grown;
      this.rowsCapacity = want;
      this.toWasmIfLarge();
    }
  }

  set(row: number, v: Float32Array): void {
    this.ensure(row);
    this.view.set(v, row * this.dim);
  }

  /** A view of a row; valid until the arena grows. */
  row(row: number): Float32Array {
    return this.view.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** Copies `count` rows starting at `from` to `to` (regions may overlap). */
  copyRows(from: number, to: number, count: number): void {
    this.ensure(to + count - 1);
    this.view.copyWithin(to * this.dim, from * this.dim, (from + count) * this.dim);
  }

  setQuery(q: Float32Array): void {
    this.view.set(q, 0);
  }

  /** Inner product of the query row and `row`. */
  score(row: number): number {
    if (this.wasmDot) return this.wasmDot(0, row * this.rowBytes, this.dim);
    const v = this.view;
    const dim = this.dim;
    const off = row * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < dim; i += 4) {
      s0 += (v[i] as number) * (v[off + i] as number);
      s1 += (v[i + 1] as number) * (v[off + i + 1] as number);
      s2 += (v[i + 2] as number) * (v[off + i + 2] as number);
      s3 += (v[i + 3] as number) * (v[off + i + 3] as number);
    }
    for (; i < dim; i++) s0 += (v[i] as number) * (v[off + i] as number);
    return s0 + s1 + s2 + s3;
  }
}
