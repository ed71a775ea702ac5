import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ReasonError } from '../util/errors.js';
import { l2normalize } from '../util/vector.js';
import type { Embedder } from './types.js';
import { TokenizerError, WordPieceTokenizer } from './wordpiece.js';

// In-process CPU sentence embeddings: a BERT-family encoder exported to ONNX (any model with
// input_ids/attention_mask[/token_type_ids] → last_hidden_state and a WordPiece tokenizer.json), run by
// onnxruntime-node, pooled and L2-normalised — the sentence-transformers recipe. Pooling is what the model's
// `1_Pooling/config.json` says (sentence-transformers' layout): all-MiniLM-L6-v2 averages its tokens (the
// default when the file is absent), bge-small-zh-v1.5 takes the [CLS] token. The files come from a directory
// (a volume in a cluster; hack/ensure-embedding-model.sh for tests and benches).

/** How token vectors become the sentence vector. */
export type Pooling = 'mean' | 'cls';

export class EmbeddingModelError extends ReasonError<'EmbeddingModelMissing' | 'EmbeddingModelInvalid'> {}

export interface OnnxEmbedderOptions {
  /** Directory holding model.onnx and tokenizer.json. */
  modelDir: string;
  /** Token budget per text, [CLS] and [SEP] included (the tokenizer.json value when unset). */
  maxTokens?: number;
  /** Texts per forward pass. */
  batchSize?: number;
  /** onnxruntime intra-op threads; 1 leaves the other core to the server. */
  threads?: number;
}

/** Token-level output kept for the cache verifier: one L2-normalised row per word piece. */
export interface TokenVectors {
  vector: Float32Array;
  /** rows × dimensions, [CLS]/[SEP] excluded. */
  tokens: Float32Array;
  rows: number;
}

export class OnnxEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: WordPieceTokenizer,
    dimensions: number,
    name: string,
    private readonly batchSize: number,
    readonly pooling: Pooling,
  ) {
    this.dimensions = dimensions;
    this.name = name;
  }

  static async open(opts: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const modelPath = join(opts.modelDir, 'model.onnx');
    const tokenizerPath = join(opts.modelDir, 'tokenizer.json');
    for (const p of [modelPath, tokenizerPath]) {
      if (!existsSync(p)) throw new EmbeddingModelError('EmbeddingModelMissing', `embedding model file ${p} does not exist`);
    }
    const pooling = await poolingOf(opts.modelDir);
    let tokenizer: WordPieceTokenizer;
    try {
      tokenizer = WordPieceTokenizer.fromTokenizerJson(tokenizerPath, opts.maxTokens);
    } catch (err) {
      // A tokenizer this encoder does not implement (SentencePiece, another normalizer) is an unusable model, which
      // runtimes survive by answering with less; it must not reach them as an error they would restart over.
      if (err instanceof TokenizerError) throw new EmbeddingModelError('EmbeddingModelInvalid', err.message, { cause: err });
      throw err;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: opts.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new EmbeddingModelError('EmbeddingModelInvalid', `onnxruntime cannot load ${modelPath}`, { cause: err });
    }
    for (const name of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(name)) {
        throw new EmbeddingModelError('EmbeddingModelInvalid', `${modelPath} has no ${name} input (inputs: ${session.inputNames.join(', ')})`);
      }
    }
    const embedder = new OnnxEmbedder(session, tokenizer, 0, await modelIdentity(modelPath, tokenizerPath, pooling), opts.batchSize ?? 32, pooling);
    // The width is a property of the model file; one probe text reads it instead of a config knob.
    const [probe] = await embedder.forward(['probe']);
    if (!probe) throw new EmbeddingModelError('EmbeddingModelInvalid', `${modelPath} produced no output`);
    (embedder as { dimensions: number }).dimensions = probe.vector.length;
    return embedder;
  }

  /**
   * Share of the text the vocabulary covers. An English WordPiece vocabulary maps most Chinese
   * characters to [UNK], and texts made mostly of [UNK] all embed alike: callers must not trust
   * similarity below ~0.8 coverage (the cache falls back to exact match).
   */
  coverage(text: string): number {
    return this.tokenizer.coverage(text);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return (await this.embedWithTokens(texts)).map((t) => t.vector);
  }

  /** Sentence vectors plus the per-token vectors a verifier aligns (BERTScore-style). */
  async embedWithTokens(texts: string[]): Promise<TokenVectors[]> {
    const out = new Array<TokenVectors>(texts.length);
    // Similar lengths share a batch so little compute goes to padding.
    const order = texts.map((t, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length);
    for (let s = 0; s < order.length; s += this.batchSize) {
      const idx = order.slice(s, s + this.batchSize);
      const results = await this.forward(idx.map((i) => texts[i] as string));
      idx.forEach((i, k) => (out[i] = results[k] as TokenVectors));
    }
    return out;
  }

  private async forward(texts: string[]): Promise<TokenVectors[]> {
    const encodings = texts.map((t) => this.tokenizer.encode(t).ids);
    const width = Math.max(...encodings.map((e) => e.length));
    const batch = encodings.length;
    const ids = new BigInt64Array(batch * width);
    const mask = new BigInt64Array(batch * width);
    encodings.forEach((e, b) =>
      e.forEach((id, j) => {
        ids[b * width + j] = BigInt(id);
        mask[b * width + j] = 1n;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, width]),
      attention_mask: new ort.Tensor('int64', mask, [batch, width]),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * width), [batch, width]);
    }
    const outputName = this.session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : this.session.outputNames[0];
    const result = await this.session.run(feeds);
    const hidden = result[outputName as string];
    if (!hidden || hidden.dims.length !== 3) {
      throw new EmbeddingModelError('EmbeddingModelInvalid', `model output ${String(outputName)} is not [batch, tokens, hidden]`);
    }
    const data = hidden.data as Float32Array;
    const dim = hidden.dims[2] as number;
    return encodings.map((e, b) => {
      const vector = new Float32Array(dim);
      const rows = Math.max(0, e.length - 2);
      const tokens = new Float32Array(rows * dim);
      for (let j = 0; j < e.length; j++) {
        const base = (b * width + j) * dim;
        if (this.pooling === 'mean') for (let d = 0; d < dim; d++) vector[d] = (vector[d] as number) + (data[base + d] as number);
        if (j > 0 && j < e.length - 1) {
          const row = tokens.subarray((j - 1) * dim, j * dim);
          row.set(data.subarray(base, base + dim));
          l2normalize(row);
        }
      }
      if (this.pooling === 'cls') vector.set(data.subarray(b * width * dim, (b * width + 1) * dim));
      else for (let d = 0; d < dim; d++) vector[d] = (vector[d] as number) / e.length;
      return { vector: l2normalize(vector), tokens, rows };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The vector space's name: a digest of the model and its vocabulary, not the directory (a volume mounts every
 * model at the same path, and one directory may hold another version tomorrow). A verifier trained on one
 * machine then matches the same files mounted in a cluster, and different files never share a name.
 */
async function modelIdentity(modelPath: string, tokenizerPath: string, pooling: Pooling): Promise<string> {
  const hash = createHash('sha256');
  for (const p of [modelPath, tokenizerPath]) hash.update(await readFile(p));
  // Mean pooling adds nothing, so the names of models pooled that way stay what they were before pooling was read.
  if (pooling !== 'mean') hash.update(`pooling:${pooling}`);
  return `onnx:${hash.digest('hex').slice(0, 12)}`;
}

/** sentence-transformers' `1_Pooling/config.json`: mean or [CLS]; any other mode is refused, not approximated. */
async function poolingOf(modelDir: string): Promise<Pooling> {
  const path = join(modelDir, '1_Pooling', 'config.json');
  if (!existsSync(path)) return 'mean';
  let modes: Record<string, unknown>;
  try {
    modes = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new EmbeddingModelError('EmbeddingModelInvalid', `cannot read ${path}`, { cause: err });
  }
  const on = Object.keys(modes).filter((k) => k.startsWith('pooling_mode_') && modes[k] === true);
  if (on.length === 1 && on[0] === 'pooling_mode_mean_tokens') return 'mean';
  if (on.length === 1 && on[0] === 'pooling_mode_cls_token') return 'cls';
  throw new EmbeddingModelError(
    'EmbeddingModelInvalid',
    `${path}: pooling ${on.join(' + ') || '(none)'} is not supported (one of pooling_mode_mean_tokens, pooling_mode_cls_token)`,
  );
}
