// Budget-aware downgrade benchmark (issue 13). The router is trained on the TRAIN split (full fan-out records
// from the per-model results, as bench/routing.ts --offline does); then the DEV split is replayed as one day
// of traffic (seeded Poisson arrivals over 24 h) through the same decision core and BudgetGovernor the server
// uses, each answer costed and scored from the real per-model results. First without a budget (the
// unconstrained spend S at the configured knob), then with the budget at fractions of S.
// Target: at 50% and 25% of S, spend within ±5% of the budget.
//
//   npm run bench:budget -- [--lambda 7] [--out docs/evaluation/routing-budget.json] [--png docs/evaluation/routing-budget.png]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BudgetGovernor } from '../src/router/budget/governor.js';
import { estimateTokens } from '../src/simulator/answers.js';
import { routingDataDir } from '../src/simulator/data.js';
import { trainWithReport } from '../src/router/training/train.js';
import { encodeSnapshot } from '../src/router/training/snapshot-codec.js';
import { seededRandom } from '../src/util/random.js';
import { renderChartSvg, writeChartPng } from './lib/chart.js';
import { candidatesFrom, FLAGSHIP, loadModels, loadQuestions, offlineAnswer, offlineRecord, renderQuestion } from './lib/routing-data.js';

const DAY = Date.UTC(2026, 10, 30);
const FRACTIONS = [1, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1];

const { values: args } = parseArgs({
  options: {
    lambda: { type: 'string', default: '7' },
    out: { type: 'string', default: 'docs/evaluation/routing-budget.json' },
    png: { type: 'string' },
    seed: { type: 'string', default: '13' },
  },
});
const lambda = Number(args.lambda);
const dir = routingDataDir();
const models = loadModels(join(dir, 'models.json'));
const byId = new Map(models.map((m) => [m.id, m]));
const trainQs = loadQuestions(join(dir, 'questions.train.jsonl'));
const devQs = loadQuestions(join(dir, 'questions.dev.jsonl'));
const candidates = candidatesFrom(models);

const started = performance.now();
const { model } = trainWithReport(
  trainQs.map((q) => offlineRecord(q, models, FLAGSHIP)),
  { candidates, lambda: { kind: 'fixed', policy: { mode: 'utility', lambda } } },
);
const trainSeconds = (performance.now() - started) / 1000;
// The snapshot the router keeps on its volume (binary) against the JSON form it replaced.
const snapshotBytes = { json: Buffer.byteLength(JSON.stringify(model.serialize())), binary: encodeSnapshot(model.serialize()).length };

// One day: exponential gaps scaled so the last arrival lands just before midnight.
const rnd = seededRandom(Number(args.seed));
const gaps = devQs.map(() => -Math.log(1 - rnd()));
const total = gaps.reduce((a, b) => a + b, 0) * 1.001;
let acc = 0;
const arrivals = gaps.map((g) => DAY + Math.floor(((acc += g) / total) * 86_400_000));
const prompts = devQs.map((q) => renderQuestion(q));

interface Run {
  budgetFraction: number | null;
  limitUsd: number | null;
  spentUsd: number;
  spentOverBudget: number | null;
  accuracy: number;
  costPerRequest: number;
  picks: Record<string, number>;
  modes: Record<string, number>;
  /** Fraction of the day that had passed when the mode first left Normal. */
  firstDowngradeAt: number | null;
}

function replay(limitUsd: number | null): Run {
  let now = DAY;
  const governor = new BudgetGovernor({ limitUsd: limitUsd ?? 1e12, window: 'day' }, lambda, () => now);
  let score = 0;
  let spent = 0;
  const picks: Record<string, number> = {};
  const modes: Record<string, number> = {};
  let firstDowngradeAt: number | null = null;
  devQs.forEach((q, i) => {
    now = arrivals[i]!;
    const prompt = prompts[i]!;
    const decision = governor.apply(model.decide({ prompt, promptTokens: estimateTokens(prompt) }));
    const answer = offlineAnswer(q, byId.get(decision.model)!);
    governor.recordSpend(answer.costUsd, decision.ranked[0]!.expectedCost);
    const mode = governor.state().mode;
    modes[mode] = (modes[mode] ?? 0) + 1;
    if (mode !== 'Normal' && firstDowngradeAt === null) firstDowngradeAt = (now - DAY) / 86_400_000;
    picks[decision.model] = (picks[decision.model] ?? 0) + 1;
    score += answer.score ?? 0;
    spent += answer.costUsd;
  });
  return {
    budgetFraction: null,
    limitUsd,
    spentUsd: spent,
    spentOverBudget: limitUsd ? spent / limitUsd : null,
    accuracy: score / devQs.length,
    costPerRequest: spent / devQs.length,
    picks,
    modes,
    firstDowngradeAt,
  };
}

const unconstrained = replay(null);
const runs = FRACTIONS.map((f) => ({ ...replay(unconstrained.spentUsd * f), budgetFraction: f }));
const cheapest = [...models].sort((a, b) => a.pricePer1MInput + a.pricePer1MOutput - (b.pricePer1MInput + b.pricePer1MOutput))[0]!;
const flagshipOnly = devQs.map((q) => offlineAnswer(q, byId.get(FLAGSHIP)!));
const cheapestOnly = devQs.map((q) => offlineAnswer(q, cheapest));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`trained on ${trainQs.length} train questions in ${trainSeconds.toFixed(1)} s; replaying ${devQs.length} dev questions as one day at λ=${lambda}`);
console.log(`model snapshot: ${(snapshotBytes.json / 1e6).toFixed(1)} MB as JSON, ${(snapshotBytes.binary / 1e6).toFixed(2)} MB binary`);
console.log(`unconstrained: spend $${unconstrained.spentUsd.toFixed(4)}, accuracy ${unconstrained.accuracy.toFixed(4)}`);
console.log('budget  limit      spent      spent/limit  accuracy  first downgrade');
for (const r of runs) {
  console.log(
    `${pct(r.budgetFraction).padStart(6)}  $${r.limitUsd!.toFixed(4).padEnd(8)} $${r.spentUsd.toFixed(4).padEnd(8)} ${pct(r.spentOverBudget!).padStart(11)}  ${r.accuracy.toFixed(4)}    ${r.firstDowngradeAt === null ? '-' : `${(r.firstDowngradeAt * 24).toFixed(1)} h`}`,
  );
}
const target = runs.filter((r) => r.budgetFraction === 0.5 || r.budgetFraction === 0.25);
const met = target.every((r) => Math.abs(r.spentOverBudget! - 1) <= 0.05);
console.log(`target: spend within ±5% of budget at 50% and 25% → ${met ? 'MET' : 'MISSED'}`);

const report = {
  generatedAt: new Date().toISOString(),
  data: { train: trainQs.length, dev: devQs.length, dir },
  lambda,
  trainSeconds,
  snapshotBytes,
  unconstrained,
  runs,
  references: {
    flagship: { model: FLAGSHIP, accuracy: mean(flagshipOnly.map((a) => a.score ?? 0)), spentUsd: flagshipOnly.reduce((s, a) => s + a.costUsd, 0) },
    cheapest: { model: cheapest.id, accuracy: mean(cheapestOnly.map((a) => a.score ?? 0)), spentUsd: cheapestOnly.reduce((s, a) => s + a.costUsd, 0) },
  },
  target: { description: 'spend within ±5% of budget at 50% and 25% of unconstrained spend', met },
};
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${args.out}`);
if (args.png) {
  const svg = renderChartSvg(
    [
      { name: 'router under budget', color: '#2563eb', line: true, points: runs.map((r) => ({ x: r.spentUsd, y: r.accuracy, label: pct(r.budgetFraction) })) },
      { name: 'unconstrained', color: '#16a34a', line: false, points: [{ x: unconstrained.spentUsd, y: unconstrained.accuracy }] },
      { name: FLAGSHIP, color: '#dc2626', line: false, points: [{ x: report.references.flagship.spentUsd, y: report.references.flagship.accuracy }] },
      { name: cheapest.id, color: '#6b7280', line: false, points: [{ x: report.references.cheapest.spentUsd, y: report.references.cheapest.accuracy }] },
    ],
    { title: `Accuracy vs daily budget (dev split as one day, λ=${lambda})`, xLabel: 'spend in the day (USD, log)', yLabel: 'accuracy', logX: true },
  );
  writeChartPng(svg, args.png);
  console.log(`wrote ${args.png}`);
}
