// Feature vectors shared by the featurizers and the predictor heads. A vector is either sparse (hashed
// TF-IDF; indices into a fixed dimension) or dense (an embedding). Both are read-only views.

export interface SparseFeatures {
  readonly kind: 'sparse';
  readonly dim: number;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  /** Number of valid entries; the arrays may be longer (reused scratch buffers). */
  readonly nnz: number;
}

export interface DenseFeatures {
  readonly kind: 'dense';
  readonly values: Float32Array;
}

export type Features = SparseFeatures | DenseFeatures;

export function featureDim(features: Features): number {
  return features.kind === 'sparse' ? features.dim : features.values.length;
}

/** w · x for a weight vector of the same dimension as the features. */
export function dot(weights: Float32Array, features: Features): number {
  let sum = 0;
  if (features.kind === 'sparse') {
    const { indices, values, nnz } = features;
    for (let k = 0; k < nnz; k++) sum += (weights[indices[k]!] ?? 0) * values[k]!;
  } else {
    const v = features.values;
    const n = Math.min(v.length, weights.length);
    for (let k = 0; k < n; k++) sum += weights[k]! * v[k]!;
  }
  return sum;
}

/** A stable copy (the featurizer's output may live in a scratch buffer that the next call overwrites). */
export function copyFeatures(features: Features): Features {
  if (features.kind === 'dense') return { kind: 'dense', values: features.values.slice() };
  return {
    kind: 'sparse',
    dim: features.dim,
    indices: features.indices.slice(0, features.nnz),
    values: features.values.slice(0, features.nnz),
    nnz: features.nnz,
  };
}
