// A fixed-size ring of recent decision latencies; percentiles are computed on demand (for /status), so
// recording stays one array store on the hot path.

export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size = 4096) {
    this.values = new Float64Array(size);
  }

  record(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    if (this.filled < this.values.length) this.filled++;
  }

  percentiles(): { p50: number | null; p99: number | null; samples: number } {
    if (this.filled === 0) return { p50: null, p99: null, samples: 0 };
    const sorted = this.values.slice(0, this.filled).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const round = (v: number): number => Math.round(v * 1e4) / 1e4;
    return { p50: round(at(0.5)), p99: round(at(0.99)), samples: this.filled };
  }
}
