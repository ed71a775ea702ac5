/**
 * Scales the first `count` values to unit L2 length, in place (an all-zero vector stays zero), and returns
 * the array. The one normaliser of the embedding and featurising code: cosine similarity becomes a dot
 * product only if everyone normalises the same way.
 */
export function l2normalize(values: Float32Array, count = values.length): Float32Array {
  let norm = 0;
  for (let k = 0; k < count; k++) norm += values[k]! * values[k]!;
  if (norm <= 0) return values;
  const inv = 1 / Math.sqrt(norm);
  for (let k = 0; k < count; k++) values[k]! *= inv;
  return values;
}
