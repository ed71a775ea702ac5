// Router features with and without sentence embeddings (issue 8 §1: "measure routing accuracy/cost with
// and without on the dev split and keep it only if it wins"). Offline, from the question files: the
// same records, split, heads (AdaGrad logistic quality + squared log-token heads), l2 grid and
// budget-constrained λ choice as src/router/training/train.ts, with only the features changed:
//   tfidf            the router's hashed TF-IDF (today's default)
//   tfidf+embedding  TF-IDF ⊕ the MiniLM sentence vector (both blocks L2-normalised)
//   embedding        the MiniLM vector alone
// l2 and λ are chosen on the validation slice of TRAIN; dev is touched once per variant, at the end.
// The dev difference to TF-IDF gets a paired bootstrap interval (same questions, resampled).
//   npx tsx bench/routing-embedding.ts [--out FILE.json] [--max-cost-fraction 0.3]
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { copyFeatures, type SparseFeatures } from '../src/router/decision/features.js';
import { DEFAULT_TFIDF_CONFIG, HashedTfidfFeaturizer } from '../src/router/decision/featurizer.js';
import { predictOutputTokens, predictQuality, sigmoid, type ModelHead } from '../src/router/decision/predictor.js';
import { buildDataset, canonicalOrder, splitRecords, type Dataset } from '../src/router/training/dataset.js';
import { fitLinear } from '../src/router/training/sgd.js';
import { DEFAULT_LAMBDA_GRID, sweepLambda } from '../src/router/training/train.js';
import type { CandidateModel } from '../src/router/types.js';
import { OnnxEmbedder } from '../src/embed/onnx.js';
import { routingDataDir } from '../src/simulator/data.js';
import { seededRandom } from '../src/util/random.js';
import {
  candidatesFrom,
  FLAGSHIP,
  loadModels,
  loadQuestions,
  offlineAnswer,
  offlineRecord,
  renderQuestion,
  type QuestionRecord,
  type SimModel,
} from './lib/routing-data.js';

const SGD = { epochs: 6, learningRate: 0.05, seed: 7 };
const L2_GRID = [1e-5, 1e-4, 1e-3];
const MAX_TOKENS = 64;
const log = (s: string): void => console.error(`[bench:routing-embedding] ${s}`);
const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

type Variant = 'tfidf' | 'tfidf+embedding' | 'embedding';

async function embedCached(texts: string[]): Promise<Map<string, Float32Array>> {
  const modelDir = execFileSync('bash', [new URL('../hack/ensure-embedding-model.sh', import.meta.url).pathname, '--print-dir'], { encoding: 'utf8' }).trim();
  // 64 word pieces (the question's opening, where its subject is) and one thread: embedding all 7,698
  // rendered questions at 128 pieces took > 1 s a text on this shared machine.
  const embedder = await OnnxEmbedder.open({ modelDir, threads: 1, maxTokens: MAX_TOKENS });
  const unique = [...new Set(texts)];
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'higress-ai-operator', 'bench-cache');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `routing-embeddings-${createHash('sha256').update(`${embedder.name}:${MAX_TOKENS}`).update('\0').update(unique.join('\n')).digest('hex').slice(0, 16)}.bin`,
  );
  const dim = embedder.dimensions;
  let flat: Float32Array;
  if (existsSync(file)) {
    log(`embeddings: reusing ${file}`);
    const buf = readFileSync(file);
    flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } else {
    // Progress is kept in `<file>.partial` every 512 texts: on this shared machine the run can outlast a
    // session, and the next run resumes where it stopped.
    flat = new Float32Array(unique.length * dim);
    let start = 0;
    if (existsSync(`${file}.partial`)) {
      const buf = readFileSync(`${file}.partial`);
      const done = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      flat.set(done.subarray(0, Math.min(done.length, flat.length)));
      start = Math.floor(Math.min(done.length, flat.length) / dim);
      log(`embeddings: resuming at ${start}/${unique.length}`);
    }
    const started = performance.now();
    for (let i = start; i < unique.length; i += 32) {
      const part = await embedder.embed(unique.slice(i, i + 32));
      part.forEach((v, j) => flat.set(v, (i + j) * dim));
      const done = Math.min(unique.length, i + 32);
      if (done % 512 === 0 || done === unique.length) {
        writeFileSync(`${file}.partial`, Buffer.from(flat.buffer, 0, done * dim * 4));
        log(`embeddings: ${done}/${unique.length} (${((performance.now() - started) / (done - start)).toFixed(1)} ms/text)`);
      }
    }
    writeFileSync(`${file}.part`, Buffer.from(flat.buffer));
    renameSync(`${file}.part`, file);
    rmSync(`${file}.partial`, { force: true });
  }
  await embedder.close();
  return new Map(unique.map((t, i) => [t, flat.subarray(i * dim, (i + 1) * dim)]));
}

/** Turns prompts into sparse vectors for one variant; the TF-IDF part is fitted on `fitPrompts` only. */
function featurizerFor(
  variant: Variant,
  fitPrompts: readonly string[],
  vectors: Map<string, Float32Array>,
  dim: number,
): { dim: number; featurize: (p: string) => SparseFeatures } {
  const tfidf = variant === 'embedding' ? undefined : HashedTfidfFeaturizer.fit(fitPrompts, DEFAULT_TFIDF_CONFIG);
  const offset = tfidf?.dim ?? 0;
  const total = offset + (variant === 'tfidf' ? 0 : dim);
  return {
    dim: total,
    featurize: (p) => {
      const sparse = tfidf ? (copyFeatures(tfidf.featurize(p)) as SparseFeatures) : undefined;
      if (variant === 'tfidf') return sparse as SparseFeatures;
      const v = vectors.get(p);
      if (!v) throw new Error('prompt without an embedding');
      const n = (sparse?.nnz ?? 0) + dim;
      const indices = new Int32Array(n);
      const values = new Float32Array(n);
      if (sparse) {
        indices.set(sparse.indices.subarray(0, sparse.nnz));
        values.set(sparse.values.subarray(0, sparse.nnz));
      }
      for (let d = 0; d < dim; d++) {
        indices[(sparse?.nnz ?? 0) + d] = offset + d;
        values[(sparse?.nnz ?? 0) + d] = v[d] as number;
      }
      return { kind: 'sparse', dim: total, indices, values, nnz: n };
    },
  };
}

function fitHeads(data: Dataset, x: readonly SparseFeatures[], dim: number, l2: number): ModelHead[] {
  return data.models.map((model) => {
    const ex = data.examples.filter((e) => e.model === model);
    const f = ex.map((e) => x[e.prompt] as SparseFeatures);
    const quality = fitLinear(
      f,
      ex.map((e) => e.score),
      dim,
      'logistic',
      { ...SGD, l2 },
    );
    const outputTokens = fitLinear(
      f,
      ex.map((e) => Math.log1p(e.outputTokens)),
      dim,
      'squared',
      { ...SGD, l2 },
    );
    return { model, quality, outputTokens };
  });
}

function logLoss(heads: readonly ModelHead[], data: Dataset, x: readonly SparseFeatures[]): number {
  const byModel = new Map(heads.map((h) => [h.model, h]));
  let sum = 0;
  let n = 0;
  for (const e of data.examples) {
    const h = byModel.get(e.model);
    if (!h) continue;
    let z = h.quality.bias;
    const f = x[e.prompt] as SparseFeatures;
    for (let k = 0; k < f.nnz; k++) z += (h.quality.weights[f.indices[k] as number] ?? 0) * (f.values[k] as number);
    const p = Math.min(1 - 1e-6, Math.max(1e-6, sigmoid(z)));
    sum -= e.score * Math.log(p) + (1 - e.score) * Math.log(1 - p);
    n++;
  }
  return sum / Math.max(1, n);
}

/** train.ts's budget rule: the highest validation accuracy whose cost ≤ fraction × the flagship's. */
function chooseLambda(curve: ReturnType<typeof sweepLambda>, validation: Dataset, fraction: number): number {
  const ref = validation.examples.filter((e) => e.model === FLAGSHIP);
  const budget = (ref.reduce((s, e) => s + e.costUsd, 0) / Math.max(1, ref.length)) * fraction;
  const affordable = curve.filter((p) => p.costPerQuestion <= budget);
  const pool = affordable.length > 0 ? affordable : [curve.reduce((a, b) => (b.costPerQuestion < a.costPerQuestion ? b : a))];
  return pool.reduce((a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.lambda > a.lambda) ? b : a)).lambda;
}

function route(heads: readonly ModelHead[], candidates: readonly CandidateModel[], f: SparseFeatures, promptTokens: number, lambda: number): string {
  let best = '';
  let bestU = -Infinity;
  let bestC = Infinity;
  for (const h of heads) {
    const c = candidates.find((m) => m.name === h.model);
    if (!c) continue;
    const cost = (promptTokens * c.pricePer1MInput + predictOutputTokens(h, f) * c.pricePer1MOutput) / 1e6;
    const u = predictQuality(h, f) - lambda * cost;
    if (u > bestU || (u === bestU && cost < bestC)) [best, bestU, bestC] = [h.model, u, cost];
  }
  return best;
}

interface DevOutcome {
  score: number[];
  cost: number[];
}

function runVariant(
  variant: Variant,
  records: ReturnType<typeof offlineRecord>[],
  dev: readonly QuestionRecord[],
  models: readonly SimModel[],
  vectors: Map<string, Float32Array>,
  dim: number,
  fraction: number,
): { summary: Record<string, unknown>; outcome: DevOutcome } {
  const started = performance.now();
  const candidates = candidatesFrom(models);
  const ordered = canonicalOrder(records);
  const { train: fitPart, holdout: validation } = splitRecords(ordered, 0.2, 'validation');
  const fitData = buildDataset(fitPart);
  const valData = buildDataset(validation);
  const fz = featurizerFor(variant, fitData.prompts, vectors, dim);
  const fitX = fitData.prompts.map(fz.featurize);
  const valX = valData.prompts.map(fz.featurize);
  const losses: Record<string, number> = {};
  let best: { l2: number; loss: number; heads: ModelHead[] } | undefined;
  for (const l2 of L2_GRID) {
    const heads = fitHeads(fitData, fitX, fz.dim, l2);
    const loss = logLoss(heads, valData, valX);
    losses[`l2=${l2}`] = round(loss);
    if (!best || loss < best.loss) best = { l2, loss, heads };
  }
  const chosen = best as { l2: number; loss: number; heads: ModelHead[] };
  const lambda = chooseLambda(sweepLambda(chosen.heads, candidates, valData, valX, DEFAULT_LAMBDA_GRID), valData, fraction);
  const all = buildDataset(ordered);
  const finalFz = featurizerFor(variant, all.prompts, vectors, dim);
  const heads = fitHeads(all, all.prompts.map(finalFz.featurize), finalFz.dim, chosen.l2);
  const byId = new Map(models.map((m) => [m.id, m]));
  const devX = dev.map((q) => finalFz.featurize(renderQuestion(q)));
  const outcomeAt = (lam: number): DevOutcome => {
    const out: DevOutcome = { score: [], cost: [] };
    dev.forEach((q, i) => {
      const prompt = renderQuestion(q);
      const a = offlineAnswer(q, byId.get(route(heads, candidates, devX[i] as SparseFeatures, Math.ceil(prompt.length / 4), lam)) as SimModel);
      out.score.push(a.score ?? 0);
      out.cost.push(a.costUsd);
    });
    return out;
  };
  const outcome = outcomeAt(lambda);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const devCurve = [0, 3, 6, 10, 20, 50, 200, 1000, 1e5].map((lam) => {
    const o = outcomeAt(lam);
    return { lambda: lam, accuracy: round(mean(o.score)), costPerQuestion: round(mean(o.cost), 7) };
  });
  return {
    summary: {
      variant,
      featureDim: finalFz.dim,
      chosenL2: chosen.l2,
      validationLogLoss: losses,
      lambda,
      dev: { accuracy: round(mean(outcome.score)), costPerQuestion: round(mean(outcome.cost), 7) },
      devCurve,
      seconds: round((performance.now() - started) / 1000, 1),
    },
    outcome,
  };
}

/** Paired bootstrap of mean(b) − mean(a) over the same dev questions: [2.5 %, 97.5 %]. */
function pairedInterval(a: number[], b: number[], rounds = 2000): [number, number] {
  const rnd = seededRandom(11);
  const n = a.length;
  const diffs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rnd() * n);
      s += (b[j] as number) - (a[j] as number);
    }
    diffs.push(s / n);
  }
  diffs.sort((x, y) => x - y);
  return [diffs[Math.floor(rounds * 0.025)] as number, diffs[Math.floor(rounds * 0.975)] as number];
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { out: { type: 'string', default: 'routing-embedding.json' }, 'max-cost-fraction': { type: 'string', default: '0.3' } },
  });
  const dir = routingDataDir();
  const models = loadModels(join(dir, 'models.json'));
  const trainQs = loadQuestions(join(dir, 'questions.train.jsonl'));
  const devQs = loadQuestions(join(dir, 'questions.dev.jsonl'));
  log(`train ${trainQs.length}, dev ${devQs.length}, models ${models.length}`);
  const t0 = performance.now();
  const vectors = await embedCached([...trainQs, ...devQs].map(renderQuestion));
  const embedSeconds = (performance.now() - t0) / 1000;
  const dim = (vectors.values().next().value as Float32Array).length;
  const records = trainQs.map((q) => offlineRecord(q, models, FLAGSHIP));
  const fraction = Number(args['max-cost-fraction']);
  const results: Record<string, unknown>[] = [];
  const outcomes = new Map<Variant, DevOutcome>();
  for (const v of ['tfidf', 'tfidf+embedding', 'embedding'] as const) {
    log(`variant ${v}...`);
    const r = runVariant(v, records, devQs, models, vectors, dim, fraction);
    log(`variant ${v}: ${JSON.stringify(r.summary.dev)} λ=${String(r.summary.lambda)} l2=${String(r.summary.chosenL2)}`);
    results.push(r.summary);
    outcomes.set(v, r.outcome);
  }
  const base = outcomes.get('tfidf') as DevOutcome;
  const versusTfidf: Record<string, unknown> = {};
  for (const v of ['tfidf+embedding', 'embedding'] as const) {
    const o = outcomes.get(v) as DevOutcome;
    const acc = pairedInterval(base.score, o.score);
    const cost = pairedInterval(base.cost, o.cost);
    versusTfidf[v] = { accuracyDiff95: acc.map((x) => round(x)), costPerQuestionDiff95: cost.map((x) => round(x, 7)) };
  }
  const out = {
    protocol:
      'offline records from questions.train.jsonl; l2 and λ (budget: cost ≤ max-cost-fraction × gpt-4o on the validation slice) chosen on a validation slice of train; dev scored once per variant',
    embedder: 'all-MiniLM-L6-v2 int8 (ONNX, hack/ensure-embedding-model.sh), first 64 word pieces of the rendered question (TF-IDF sees the whole text)',
    maxCostFraction: fraction,
    embedSeconds: round(embedSeconds, 1),
    loadAverage: round(loadavg()[0] ?? 0, 1),
    variants: results,
    versusTfidf,
  };
  writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify({ variants: results.map((r) => ({ variant: r.variant, dev: r.dev, lambda: r.lambda, l2: r.chosenL2 })), versusTfidf }, null, 2));
}

await main();
