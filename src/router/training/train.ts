import { createHash } from 'node:crypto';
import { copyFeatures, type SparseFeatures } from '../decision/features.js';
import { DEFAULT_TFIDF_CONFIG, HashedTfidfFeaturizer, type HashedTfidfConfig } from '../decision/featurizer.js';
import { LearnedRouterModel } from '../decision/learned-model.js';
import type { PolicyConfig } from '../decision/policy.js';
import { predictOutputTokens, predictQuality, type ModelHead } from '../decision/predictor.js';
import type { CandidateModel, FlywheelRecord } from '../types.js';
import { buildDataset, canonicalOrder, recordKey, splitRecords, type Dataset, type Example } from './dataset.js';
import { fitLinear, type SgdOptions } from './sgd.js';
import { ReasonError } from '../../util/errors.js';

// Trains a LearnedRouterModel from flywheel records. Model selection (regularisation) and the choice of λ
// happen on a validation slice carved out of the training records; the final model is then refit on all
// of them with the chosen settings. No evaluation data is ever seen here.
//
// Reproducible: records are put in content order, the validation slice is keyed on a hash of each record's
// prompt (not its random id), SGD is seeded, and the default version and createdAt derive from the data. The
// same records therefore give a byte-identical snapshot and the same λ (training.test.ts checks it).

/** How the policy's λ is chosen. */
export type LambdaSelection =
  | { kind: 'fixed'; policy: PolicyConfig }
  /** Highest validation accuracy whose mean cost is ≤ maxCostFraction × the reference model's. */
  | { kind: 'budget'; referenceModel: string; maxCostFraction: number };

export interface TrainOptions {
  candidates: CandidateModel[];
  lambda: LambdaSelection;
  /** Default: `r<records>-<hash of the records>`. */
  version?: string;
  tfidf?: HashedTfidfConfig;
  /** Regularisation strengths tried on the validation slice; the lowest validation log loss wins. */
  l2Grid?: number[];
  sgd?: Partial<Omit<SgdOptions, 'l2'>>;
  validationFraction?: number;
  /** λ values tried (quality units per USD). */
  lambdaGrid?: number[];
  /** createdAt of the snapshot; default: the newest record's createdAt (so it depends on the data only). */
  now?: () => Date;
}

export interface LambdaPoint {
  lambda: number;
  accuracy: number;
  costPerQuestion: number;
}

export interface TrainReport {
  records: number;
  examples: number;
  models: string[];
  validationRecords: number;
  chosenL2: number;
  /** Mean validation log loss per l2 tried, plus the constant per-model-mean baseline. */
  validationLogLoss: Record<string, number>;
  lambdaCurve: LambdaPoint[];
  policy: PolicyConfig;
}

export interface TrainResult {
  model: LearnedRouterModel;
  report: TrainReport;
}

export const DEFAULT_LAMBDA_GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 1e4, 3e4, 1e5];
const DEFAULT_SGD: Omit<SgdOptions, 'l2'> = { epochs: 6, learningRate: 0.05, seed: 7 };

export class TrainingError extends ReasonError<'NotEnoughRecords' | 'UnknownReferenceModel'> {}

export function train(records: readonly FlywheelRecord[], options: TrainOptions): LearnedRouterModel {
  return trainWithReport(records, options).model;
}

export function trainWithReport(input: readonly FlywheelRecord[], options: TrainOptions): TrainResult {
  const records = canonicalOrder(input);
  if (records.length < 10) throw new TrainingError('NotEnoughRecords', `need at least 10 records, got ${records.length}`);
  const tfidf = options.tfidf ?? DEFAULT_TFIDF_CONFIG;
  const sgd = { ...DEFAULT_SGD, ...options.sgd };
  const l2Grid = options.l2Grid ?? [1e-5, 1e-4, 1e-3];
  const { train: fitPart, holdout: validation } = splitRecords(records, options.validationFraction ?? 0.2, 'validation');

  // 1. Model selection on the validation slice.
  const fitData = buildDataset(fitPart);
  const valData = buildDataset(validation);
  const featurizer = HashedTfidfFeaturizer.fit(fitData.prompts, tfidf);
  const fitX = featurizeAll(featurizer, fitData.prompts);
  const valX = featurizeAll(featurizer, valData.prompts);
  const validationLogLoss: Record<string, number> = { constant: constantLogLoss(fitData, valData) };
  let best: { l2: number; loss: number; heads: ModelHead[] } | null = null;
  for (const l2 of l2Grid) {
    const heads = fitHeads(fitData, fitX, featurizer.dim, { ...sgd, l2 });
    const loss = logLoss(heads, valData, valX);
    validationLogLoss[`l2=${l2}`] = loss;
    if (!best || loss < best.loss) best = { l2, loss, heads };
  }
  const chosen = best!;

  // 2. λ on the same validation slice, from the selected heads' predictions.
  const lambdaCurve = sweepLambda(chosen.heads, options.candidates, valData, valX, options.lambdaGrid ?? DEFAULT_LAMBDA_GRID);
  const policy = choosePolicy(options.lambda, lambdaCurve, valData, options.candidates);

  // 3. Refit on every record with the chosen settings.
  const allData = buildDataset(records);
  const finalFeaturizer = HashedTfidfFeaturizer.fit(allData.prompts, tfidf);
  const allX = featurizeAll(finalFeaturizer, allData.prompts);
  const heads = fitHeads(allData, allX, finalFeaturizer.dim, { ...sgd, l2: chosen.l2 });
  const createdAt = options.now ? options.now().toISOString() : newestRecordTime(records);
  const report: TrainReport = {
    records: records.length,
    examples: allData.examples.length,
    models: allData.models,
    validationRecords: validation.length,
    chosenL2: chosen.l2,
    validationLogLoss,
    lambdaCurve,
    policy,
  };
  const model = new LearnedRouterModel({
    version: options.version ?? dataVersion(records),
    createdAt,
    featurizer: finalFeaturizer,
    featureSource: { kind: 'hashed-tfidf', tfidf: finalFeaturizer.serialize() },
    heads,
    candidates: options.candidates,
    policy,
    fallback: fallbackFor(allData),
    meta: { trainedOnRecords: records.length, chosenL2: chosen.l2, validationLogLoss, lambdaCurve },
  });
  return { model, report };
}

function newestRecordTime(records: readonly FlywheelRecord[]): string {
  let newest = '';
  for (const r of records) if (r.createdAt > newest) newest = r.createdAt;
  return newest || new Date(0).toISOString();
}

/** `r<count>-<8 hex>`: a name the data alone decides (also a valid version-store file name). */
function dataVersion(records: readonly FlywheelRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(recordKey(r));
  return `r${records.length}-${h.digest('hex').slice(0, 8)}`;
}

function featurizeAll(featurizer: HashedTfidfFeaturizer, prompts: readonly string[]): SparseFeatures[] {
  return prompts.map((p) => copyFeatures(featurizer.featurize(p)) as SparseFeatures);
}

function byModel(data: Dataset): Map<string, Example[]> {
  const out = new Map<string, Example[]>();
  for (const e of data.examples) {
    const list = out.get(e.model) ?? [];
    list.push(e);
    out.set(e.model, list);
  }
  return out;
}

function fitHeads(data: Dataset, x: readonly SparseFeatures[], dim: number, sgd: SgdOptions): ModelHead[] {
  const heads: ModelHead[] = [];
  for (const [model, examples] of byModel(data)) {
    const features = examples.map((e) => x[e.prompt]!);
    const quality = fitLinear(
      features,
      examples.map((e) => e.score),
      dim,
      'logistic',
      sgd,
    );
    const outputTokens = fitLinear(
      features,
      examples.map((e) => Math.log1p(e.outputTokens)),
      dim,
      'squared',
      sgd,
    );
    heads.push({ model, quality, outputTokens });
  }
  return heads.sort((a, b) => a.model.localeCompare(b.model));
}

function clampP(p: number): number {
  return Math.min(1 - 1e-6, Math.max(1e-6, p));
}

function logLoss(heads: readonly ModelHead[], data: Dataset, x: readonly SparseFeatures[]): number {
  const headOf = new Map(heads.map((h) => [h.model, h]));
  let sum = 0;
  let n = 0;
  for (const e of data.examples) {
    const head = headOf.get(e.model);
    if (!head) continue;
    const p = clampP(predictQuality(head, x[e.prompt]!));
    sum -= e.score * Math.log(p) + (1 - e.score) * Math.log(1 - p);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Log loss of predicting each model's training mean: the bar a text model must clear to be useful. */
function constantLogLoss(fit: Dataset, val: Dataset): number {
  const mean = new Map<string, { s: number; n: number }>();
  for (const e of fit.examples) {
    const m = mean.get(e.model) ?? { s: 0, n: 0 };
    m.s += e.score;
    m.n++;
    mean.set(e.model, m);
  }
  let sum = 0;
  let n = 0;
  for (const e of val.examples) {
    const m = mean.get(e.model);
    if (!m) continue;
    const p = clampP(m.s / m.n);
    sum -= e.score * Math.log(p) + (1 - e.score) * Math.log(1 - p);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * Routing outcome of each λ on validation records: for each record the model with the highest
 * q − λ·cost among the models the record has a scored answer for; its observed score and cost count.
 */
export function sweepLambda(
  heads: readonly ModelHead[],
  candidates: readonly CandidateModel[],
  data: Dataset,
  x: readonly SparseFeatures[],
  grid: readonly number[],
): LambdaPoint[] {
  const headOf = new Map(heads.map((h) => [h.model, h]));
  const priceOf = new Map(candidates.map((c) => [c.name, c]));
  const perPrompt = new Map<number, Array<{ q: number; c: number; score: number; cost: number }>>();
  for (const e of data.examples) {
    const head = headOf.get(e.model);
    const price = priceOf.get(e.model);
    if (!head || !price) continue;
    const f = x[e.prompt]!;
    const tokens = predictOutputTokens(head, f);
    const c = (data.promptTokens[e.prompt]! * price.pricePer1MInput + tokens * price.pricePer1MOutput) / 1e6;
    const list = perPrompt.get(e.prompt) ?? [];
    list.push({ q: predictQuality(head, f), c, score: e.score, cost: e.costUsd });
    perPrompt.set(e.prompt, list);
  }
  return grid.map((lambda) => {
    let score = 0;
    let cost = 0;
    for (const options of perPrompt.values()) {
      let pick = options[0]!;
      let bestU = -Infinity;
      for (const o of options) {
        const u = o.q - lambda * o.c;
        if (u > bestU || (u === bestU && o.c < pick.c)) {
          bestU = u;
          pick = o;
        }
      }
      score += pick.score;
      cost += pick.cost;
    }
    const n = Math.max(1, perPrompt.size);
    return { lambda, accuracy: score / n, costPerQuestion: cost / n };
  });
}

function choosePolicy(selection: LambdaSelection, curve: readonly LambdaPoint[], validation: Dataset, candidates: readonly CandidateModel[]): PolicyConfig {
  if (selection.kind === 'fixed') return selection.policy;
  if (!candidates.some((c) => c.name === selection.referenceModel)) {
    throw new TrainingError('UnknownReferenceModel', `reference model ${selection.referenceModel} is not a candidate`);
  }
  let refCost = 0;
  let n = 0;
  for (const e of validation.examples) {
    if (e.model !== selection.referenceModel) continue;
    refCost += e.costUsd;
    n++;
  }
  const budget = (n > 0 ? refCost / n : Infinity) * selection.maxCostFraction;
  const affordable = curve.filter((p) => p.costPerQuestion <= budget);
  const pool = affordable.length > 0 ? affordable : [curve.reduce((a, b) => (b.costPerQuestion < a.costPerQuestion ? b : a))];
  // Highest accuracy; among ties the larger λ (cheaper).
  const pick = pool.reduce((a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.lambda > a.lambda) ? b : a));
  return { mode: 'utility', lambda: pick.lambda };
}

function fallbackFor(data: Dataset): { quality: number; outputTokens: number } {
  let s = 0;
  let t = 0;
  for (const e of data.examples) {
    s += e.score;
    t += e.outputTokens;
  }
  const n = Math.max(1, data.examples.length);
  return { quality: s / n, outputTokens: t / n };
}
