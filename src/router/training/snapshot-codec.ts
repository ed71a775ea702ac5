import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SerializedRouterModel } from '../types.js';
import { ReasonError } from '../../util/errors.js';

// The compact binary form of a router model snapshot, as kept on the router's volume. The JSON snapshot
// carries its weight vectors as base64 inside JSON (14.5 MB for a model trained on the full train split);
// here every sparse vector's indices become delta varints and its values raw float32, next to a small JSON
// header, and the whole is deflated. Lossless: decode(encode(s)) deep-equals s, so the decision core loads
// it unchanged. Deterministic: the same snapshot always gives the same bytes (training.test.ts relies on it).
//
// Layout: "HRMB" | u8 format (1) | deflateRaw( u32le headerBytes | header JSON | blob… ), each blob being
// u32le length + bytes, referenced from the header as {"$blob": n}.

const MAGIC = Buffer.from('HRMB', 'ascii');
const FORMAT = 1;

export class SnapshotCodecError extends ReasonError<'NotABinarySnapshot' | 'UnsupportedSnapshotFormat' | 'CorruptSnapshot'> {}

interface BlobRef {
  $blob: number;
}

function isEncodedSparse(v: unknown): v is { dim: number; indices: string; values: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return Object.keys(o).length === 3 && typeof o.dim === 'number' && typeof o.indices === 'string' && typeof o.values === 'string';
}

function writeVarint(out: number[], value: number): void {
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Sorted int32 indices (little-endian base64, as the JSON codec writes them) → delta varints. */
function packIndices(base64: string): Buffer {
  const raw = Buffer.from(base64, 'base64');
  const out: number[] = [];
  let previous = 0;
  for (let i = 0; i + 4 <= raw.length; i += 4) {
    const index = raw.readInt32LE(i);
    // Indices are ascending by construction (codec.ts); a descending one would not survive the delta form.
    if (index < previous) throw new SnapshotCodecError('CorruptSnapshot', 'sparse indices are not ascending');
    writeVarint(out, index - previous);
    previous = index;
  }
  return Buffer.from(out);
}

function unpackIndices(packed: Buffer): string {
  const values: number[] = [];
  let previous = 0;
  let shift = 0;
  let current = 0;
  for (const byte of packed) {
    current |= (byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7;
      continue;
    }
    previous += current >>> 0;
    values.push(previous);
    current = 0;
    shift = 0;
  }
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeInt32LE(v, i * 4));
  return out.toString('base64');
}

export function encodeSnapshot(snapshot: SerializedRouterModel): Buffer {
  const blobs: Buffer[] = [];
  const blob = (b: Buffer): BlobRef => ({ $blob: blobs.push(b) - 1 });
  const walk = (v: unknown): unknown => {
    if (isEncodedSparse(v)) {
      return { dim: v.dim, indices: blob(packIndices(v.indices)), values: blob(Buffer.from(v.values, 'base64')) };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const header = Buffer.from(JSON.stringify(walk(snapshot)), 'utf8');
  const parts: Buffer[] = [u32(header.length), header];
  for (const b of blobs) parts.push(u32(b.length), b);
  return Buffer.concat([MAGIC, Buffer.from([FORMAT]), deflateRawSync(Buffer.concat(parts), { level: 9 })]);
}

export function isBinarySnapshot(bytes: Buffer): boolean {
  return bytes.length > MAGIC.length && bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

export function decodeSnapshot(bytes: Buffer): SerializedRouterModel {
  if (!isBinarySnapshot(bytes)) throw new SnapshotCodecError('NotABinarySnapshot', 'not a binary router model snapshot (no HRMB magic)');
  if (bytes[MAGIC.length] !== FORMAT) throw new SnapshotCodecError('UnsupportedSnapshotFormat', `snapshot format ${bytes[MAGIC.length]} is not supported`);
  let body: Buffer;
  try {
    body = inflateRawSync(bytes.subarray(MAGIC.length + 1));
  } catch (err) {
    throw new SnapshotCodecError('CorruptSnapshot', `cannot inflate snapshot: ${String(err)}`);
  }
  const headerLength = body.readUInt32LE(0);
  const header = JSON.parse(body.subarray(4, 4 + headerLength).toString('utf8')) as unknown;
  const blobs: Buffer[] = [];
  for (let at = 4 + headerLength; at < body.length;) {
    const length = body.readUInt32LE(at);
    blobs.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const blobAt = (ref: unknown): Buffer => {
    const i = (ref as BlobRef).$blob;
    const b = blobs[i];
    if (!b) throw new SnapshotCodecError('CorruptSnapshot', `snapshot references missing blob ${i}`);
    return b;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Object.keys(o).length === 3 && typeof o.dim === 'number' && o.indices && typeof o.indices === 'object' && '$blob' in o.indices) {
        return { dim: o.dim, indices: unpackIndices(blobAt(o.indices)), values: blobAt(o.values).toString('base64') };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(header) as SerializedRouterModel;
}

/** Reads either form: binary (HRMB) or the older JSON snapshot. */
export function parseSnapshot(bytes: Buffer): SerializedRouterModel {
  return isBinarySnapshot(bytes) ? decodeSnapshot(bytes) : (JSON.parse(bytes.toString('utf8')) as SerializedRouterModel);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
