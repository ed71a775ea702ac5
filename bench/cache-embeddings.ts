// Embeddings of the cache benchmark's texts, computed once per (model, data file) and kept on disk
// under the project's cache directory: the model is slow on 2 shared cores and the texts never change.
// Token vectors are stored int8-quantised (unit vectors, ×127) — the verifier's alignment features
// only need ~2 significant digits.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { OnnxEmbedder } from '../src/embed/onnx.js';

export interface EmbeddedText {
  vector: Float32Array;
  tokens: Float32Array;
  rows: number;
}

function cacheFile(key: string): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'higress-ai-operator', 'bench-cache');
  mkdirSync(dir, { recursive: true });
  return join(dir, `embeddings-${key}.bin`);
}

function serialise(items: EmbeddedText[], dim: number): Buffer {
  const parts: Buffer[] = [Buffer.from(Uint32Array.from([items.length, dim]).buffer)];
  for (const it of items) {
    parts.push(Buffer.from(Uint32Array.from([it.rows]).buffer));
    parts.push(Buffer.from(it.vector.buffer, it.vector.byteOffset, it.vector.byteLength));
    const q = Int8Array.from(it.tokens, (v) => Math.round(v * 127));
    parts.push(Buffer.from(q.buffer));
  }
  return Buffer.concat(parts);
}

function deserialise(buf: Buffer): EmbeddedText[] {
  const header = new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 8));
  const [n, dim] = [header[0] as number, header[1] as number];
  let off = 8;
  const out: EmbeddedText[] = [];
  for (let i = 0; i < n; i++) {
    const rows = buf.readUInt32LE(off);
    off += 4;
    const vector = new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + dim * 4));
    off += dim * 4;
    const q = new Int8Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + rows * dim));
    off += rows * dim;
    out.push({ vector, rows, tokens: Float32Array.from(q, (v) => v / 127) });
  }
  return out;
}

export async function embedAllCached(embedder: OnnxEmbedder, texts: string[], log: (s: string) => void): Promise<EmbeddedText[]> {
  const key = createHash('sha256').update(embedder.name).update('\0').update(texts.join('\n')).digest('hex').slice(0, 16);
  const file = cacheFile(key);
  if (existsSync(file)) {
    log(`embeddings: reusing ${file}`);
    return deserialise(readFileSync(file));
  }
  const out: EmbeddedText[] = [];
  const chunk = 256;
  const started = performance.now();
  for (let i = 0; i < texts.length; i += chunk) {
    const part = await embedder.embedWithTokens(texts.slice(i, i + chunk));
    out.push(...part);
    const done = Math.min(texts.length, i + chunk);
    const rate = (performance.now() - started) / done;
    log(`embeddings: ${done}/${texts.length} (${rate.toFixed(1)} ms/text, ~${Math.round(((texts.length - done) * rate) / 1000)} s left)`);
  }
  writeFileSync(`${file}.part`, serialise(out, embedder.dimensions));
  renameSync(`${file}.part`, file);
  return out;
}
