// Model selection for the router on a validation slice of TRAIN only (never dev): prints the validation log
// loss per regularisation strength, the λ curve and the chosen policy. Offline: records are computed from
// the question file directly. Usage: npx tsx bench/routing-select.ts [--train FILE]
import { parseArgs } from 'node:util';
import { questionsPath } from '../src/simulator/data.js';
import { splitRecords } from '../src/router/training/dataset.js';
import { trainWithReport } from '../src/router/training/train.js';
import { candidatesFrom, loadModels, loadQuestions, offlineRecord } from './lib/routingData.js';
import { routingDataDir } from '../src/simulator/data.js';

const { values } = parseArgs({
  options: { train: { type: 'string' }, l2: { type: 'string' }, bits: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, chars: { type: 'string' } },
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
console.log(JSON.stringify({ ...report, lambdaCurve: report.lambdaCurve.map((p) => `${p.lambda}: ${p.accuracy.toFixed(4)} @ ${(p.costPerQuestion / reference.cost).toFixed(3)}`), reference, trainSeconds: (performance.now() - t0) / 1000 }, null, 1));
