// Model selection for the router on a validation slice of TRAIN only (never dev): prints the validation log
// loss per regularisation strength, the λ curve and the chosen policy. Offline: records are computed from
// the question file directly. Usage: npx tsx bench/routing-select.ts [--train FILE]
import { parseArgs } from 'node:util';
import { questionsPath } from '../src/simulator/data.js';
import { copyFeatures, type SparseFeatures } from '../src/router/decision/features.js';
import { DEFAULT_TFIDF_CONFIG, HashedTfidfFeaturizer } from '../src/router/decision/featurizer.js';
import { buildDataset, splitRecords } from '../src/router/training/dataset.js';
import { trainWithReport } from '../src/router/training/train.js';
import { candidatesFrom, loadModels, loadQuestions, offlineRecord } from './lib/routing-data.js';
import { routingDataDir } from '../src/simulator/data.js';

const { values } = parseArgs({
  options: {
    knn: { type: 'boolean', default: false },
    train: { type: 'string' },
    l2: { type: 'string' },
    bits: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    chars: { type: 'string' },
  },
});
const dir = routingDataDir();
const models = loadModels(`${dir}/models.json`);
const questions = loadQuestions(values.train ?? questionsPath('train', dir));
const records = questions.map((q) => offlineRecord(q, models, models[0]!.id));
const t0 = performance.now();
const { report } = trainWithReport(records, {
  candidates: candidatesFrom(models),
  lambda: { kind: 'budget', referenceModel: 'gpt-4o-2024-05-13', maxCostFraction: 0.3 },
  l2Grid: values.l2 ? values.l2.split(',').map(Number) : undefined,
  tfidf: {
    dimBits: Number(values.bits ?? 18),
    wordNgrams: [1, 2],
    charNgrams: (values.chars ?? '3,5').split(',').map(Number) as [number, number],
    maxChars: 4000,
  },
  sgd: { ...(values.epochs ? { epochs: Number(values.epochs) } : {}), ...(values.lr ? { learningRate: Number(values.lr) } : {}) },
});
const { holdout } = splitRecords(records, 0.2, 'validation');
const ref = holdout.map((r) => [r.primary, ...r.shadows].find((a) => a.model === 'gpt-4o-2024-05-13')!);
const reference = { accuracy: ref.reduce((s, a) => s + (a.score ?? 0), 0) / ref.length, cost: ref.reduce((s, a) => s + a.costUsd, 0) / ref.length };
console.log(
  JSON.stringify(
    {
      ...report,
      lambdaCurve: report.lambdaCurve.map((p) => `${p.lambda}: ${p.accuracy.toFixed(4)} @ ${(p.costPerQuestion / reference.cost).toFixed(3)}`),
      reference,
      trainSeconds: (performance.now() - t0) / 1000,
    },
    null,
    1,
  ),
);

if (values.knn) knn();

// kNN alternative, measured on the same validation slice: quality of model m for a prompt = similarity-
// weighted mean score of m over the k most similar training prompts, shrunk toward m's mean by `prior`
// pseudo-counts. Reported as validation log loss next to the logistic heads' (printed above).
function knn(): void {
  const { train: fit, holdout: val } = splitRecords(records, 0.2, 'validation');
  const fitData = buildDataset(fit);
  const valData = buildDataset(val);
  const featurizer = HashedTfidfFeaturizer.fit(fitData.prompts, DEFAULT_TFIDF_CONFIG);
  const fitX = fitData.prompts.map((p) => copyFeatures(featurizer.featurize(p)) as SparseFeatures);
  const scoreOf = new Map<string, number>();
  const mean = new Map<string, { s: number; n: number }>();
  for (const e of fitData.examples) {
    scoreOf.set(`${e.prompt}|${e.model}`, e.score);
    const m = mean.get(e.model) ?? { s: 0, n: 0 };
    m.s += e.score;
    m.n++;
    mean.set(e.model, m);
  }
  const dense = new Float32Array(featurizer.dim);
  for (const k of [10, 25, 50, 100]) {
    for (const prior of [2, 5]) {
      let loss = 0;
      let n = 0;
      for (let v = 0; v < valData.prompts.length; v++) {
        const q = featurizer.featurize(valData.prompts[v]!);
        for (let i = 0; i < q.nnz; i++) dense[q.indices[i]!] = q.values[i]!;
        const sims = fitX.map((x, i) => {
          let s = 0;
          for (let j = 0; j < x.nnz; j++) s += dense[x.indices[j]!]! * x.values[j]!;
          return { i, s };
        });
        for (let i = 0; i < q.nnz; i++) dense[q.indices[i]!] = 0;
        sims.sort((a, b) => b.s - a.s);
        const top = sims.slice(0, k);
        for (const e of valData.examples.filter((x) => x.prompt === v)) {
          const m = mean.get(e.model)!;
          let num = (prior * m.s) / m.n;
          let den = prior;
          for (const t of top) {
            const sc = scoreOf.get(`${t.i}|${e.model}`);
            if (sc === undefined) continue;
            num += t.s * sc * 10;
            den += t.s * 10;
          }
          const p = Math.min(1 - 1e-6, Math.max(1e-6, num / den));
          loss -= e.score * Math.log(p) + (1 - e.score) * Math.log(1 - p);
          n++;
        }
      }
      console.log(`kNN k=${k} prior=${prior}: validation log loss ${(loss / n).toFixed(4)}`);
    }
  }
}
