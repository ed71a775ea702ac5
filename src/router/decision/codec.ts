// Float arrays travel inside the JSON snapshot as base64 of their little-endian bytes: 4 bytes per weight
// instead of ~20 characters of decimal text, and an exact round trip.

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeInt32(values: Int32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeInt32(encoded: string): Int32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const out = new Int32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Sparse form of a mostly-zero weight vector: only the non-zero entries are written. */
export interface EncodedSparseVector {
  dim: number;
  indices: string;
  values: string;
}

export function encodeSparseVector(values: Float32Array): EncodedSparseVector {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
  const idx = new Int32Array(count);
  const val = new Float32Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0) {
      idx[k] = i;
      val[k] = values[i]!;
      k++;
    }
  }
  return { dim: values.length, indices: encodeInt32(idx), values: encodeFloat32(val) };
}

export function decodeSparseVector(encoded: EncodedSparseVector, fill = 0): Float32Array {
  const out = new Float32Array(encoded.dim);
  if (fill !== 0) out.fill(fill);
  const idx = decodeInt32(encoded.indices);
  const val = decodeFloat32(encoded.values);
  for (let k = 0; k < idx.length; k++) out[idx[k]!] = val[k]!;
  return out;
}
