export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  /** Returns one L2-normalised vector per input, in order. Throws RagError('EmbeddingUnavailable'). */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export function l2normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] ?? 0) * (v[i] ?? 0);
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n;
  return v;
}
