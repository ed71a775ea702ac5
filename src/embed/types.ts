// The one embedding contract of the project: the RAG dense retriever, the semantic cache and the
// router's optional embedding features all take an `Embedder`. Vectors are L2-normalised so a dot
// product is the cosine.

export interface Embedder {
  /** Names the vector space (backend and model); vectors of different names are not comparable. */
  readonly name: string;
  readonly dimensions: number;
  /** Returns one L2-normalised vector per input, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
