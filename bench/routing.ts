// Routing benchmark. Phase 1: every train question goes through the router in data-generation mode
// (fan-out to all models, scored by the simulator's /v1/evaluate) and the trainer learns from the stored
// flywheel records. Phase 2: every eval question is routed to exactly one model through the trained router
// and scored via /v1/evaluate; baselines come from asking each model directly through the simulator.
// Model selection (l2, λ) uses a validation slice of the TRAIN records only.
//
//   npm run bench:routing -- --train FILE --eval FILE --out FILE.json [--png FILE.png] [--time-scale 0.001]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRouter, type RouterHandle } from '../src/router/serve/server.js';
import { coldStartModel } from '../src/router/decision/cold-start.js';
import { seededRandom } from '../src/util/random.js';
import { trainWithReport } from '../src/router/training/train.js';
import type { FlywheelRecord } from '../src/router/types.js';
import { startSimulator, type SimulatorHandle } from '../src/simulator/server.js';
import { writeRoutingChart } from './lib/routing-chart.js';
import {
  candidatesFrom,
  FLAGSHIP,
  costUsd,
  loadModels,
  loadQuestions,
  offlineAnswer,
  offlineRecord,
  renderQuestion,
  type QuestionRecord,
  type SimModel,
} from './lib/routing-data.js';
import { routingDataDir } from '../src/simulator/data.js';

const CURVE_LAMBDAS = [0, 3, 6, 10, 20, 50, 200, 1000, 1e5];

const { values: args } = parseArgs({
  options: {
    train: { type: 'string' },
    eval: { type: 'string' },
    out: { type: 'string', default: 'docs/evaluation/routing.json' },
    png: { type: 'string' },
    models: { type: 'string' },
    'time-scale': { type: 'string', default: '0.001' },
    concurrency: { type: 'string', default: '8' },
    'max-cost-fraction': { type: 'string', default: '0.3' },
    /** Skip the servers: records and outcomes straight from the question files (same decision core). */
    offline: { type: 'boolean', default: false },
    /** Also write the trained router model's snapshot here (for bench/routing-latency.ts). */
    'model-out': { type: 'string' },
  },
});

function dataFile(name: string): string {
  return join(routingDataDir(), name);
}

const trainFile = args.train ?? dataFile('questions.train.jsonl');
const evalFile = args.eval ?? dataFile('questions.dev.jsonl');
const modelsFile = args.models ?? dataFile('models.json');
const timeScale = Number(args['time-scale']);
const concurrency = Number(args.concurrency);

/** Runs `fn` over items with bounded concurrency, preserving order of results. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

interface Outcome {
  model: string;
  score: number;
  cost: number;
  /** Simulated (unscaled) model latency + the router's decision time, ms. */
  latencyMs: number;
}

interface ChatResult {
  model: string;
  content: string;
  promptTokens: number;
  completionTokens: number;
  decisionMs: number;
}

async function chat(url: string, model: string, prompt: string, headers: Record<string, string> = {}): Promise<ChatResult> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] }),
    });
    if (!res.ok) {
      if (attempt < 3) continue;
      throw new Error(`chat ${model} → HTTP ${res.status}: ${await res.text()}`);
    }
    const body = (await res.json()) as {
      model: string;
      choices: Array<{ message: { content: string } }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    return {
      model: res.headers.get('x-router-model') ?? body.model,
      content: body.choices[0]?.message.content ?? '',
      promptTokens: body.usage.prompt_tokens,
      completionTokens: body.usage.completion_tokens,
      decisionMs: Number(res.headers.get('x-router-decision-ms') ?? 0),
    };
  }
}

async function evaluate(simUrl: string, question: string, answer: string): Promise<number> {
  const res = await fetch(`${simUrl}/v1/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, answer }),
  });
  const { score } = (await res.json()) as { score: number };
  return score < 0 ? 0 : score;
}

async function ask(
  target: string,
  sim: SimulatorHandle,
  byId: Map<string, SimModel>,
  model: string,
  q: QuestionRecord,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const prompt = renderQuestion(q);
  const r = await chat(target, model, prompt, headers);
  const m = byId.get(r.model)!;
  const score = await evaluate(sim.url, prompt, r.content);
  return {
    model: r.model,
    score,
    cost: costUsd(m, r.promptTokens, r.completionTokens),
    latencyMs: m.ttftMs + (r.completionTokens / m.outputTokensPerSecond) * 1000 + r.decisionMs,
  };
}

interface Summary {
  accuracy: number;
  costPerQuestion: number;
  latencyMs: number;
  n: number;
}

function summarize(outcomes: readonly Outcome[]): Summary {
  const n = Math.max(1, outcomes.length);
  return {
    accuracy: outcomes.reduce((s, o) => s + o.score, 0) / n,
    costPerQuestion: outcomes.reduce((s, o) => s + o.cost, 0) / n,
    latencyMs: outcomes.reduce((s, o) => s + o.latencyMs, 0) / n,
    n: outcomes.length,
  };
}

/**
 * APGR as in RouteLLM, generalised to a continuous cost axis: x = (cost − cost_weak)/(cost_strong −
 * cost_weak), PGR = (acc − acc_weak)/(acc_strong − acc_weak); the router's best PGR achievable at a cost ≤ x
 * (upper envelope of the λ curve, so spending less than the budget is allowed) is integrated over x ∈ [0, 1].
 */
export function apgr(curve: ReadonlyArray<{ accuracy: number; costPerQuestion: number }>, weak: Summary, strong: Summary): number {
  const pts = curve
    .map((p) => ({
      x: (p.costPerQuestion - weak.costPerQuestion) / (strong.costPerQuestion - weak.costPerQuestion),
      y: (p.accuracy - weak.accuracy) / (strong.accuracy - weak.accuracy),
    }))
    .sort((a, b) => a.x - b.x);
  const steps = 1000;
  let area = 0;
  for (let i = 0; i <= steps; i++) {
    const x = i / steps;
    let best = 0; // Always-weak (PGR 0 at x = 0) is always affordable.
    for (const p of pts) if (p.x <= x) best = Math.max(best, p.y);
    area += (i === 0 || i === steps ? 0.5 : 1) * best;
  }
  return area / steps;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const models = loadModels(modelsFile);
  const byId = new Map(models.map((m) => [m.id, m]));
  const candidates = candidatesFrom(models);
  const trainQs = loadQuestions(trainFile);
  const evalQs = loadQuestions(evalFile);
  console.log(`train=${trainFile} (${trainQs.length})  eval=${evalFile} (${evalQs.length})  models=${models.length}  timeScale=${timeScale}`);
  if (args.offline) console.log('OFFLINE mode: no simulator/router servers; outcomes computed from the question files');
  const sim: SimulatorHandle | null = args.offline ? null : await startSimulator({ questionFiles: [trainFile, evalFile], modelsFile, timeScale });
  const offlineOutcome = (model: string, q: QuestionRecord, decisionMs = 0): Outcome => {
    const a = offlineAnswer(q, byId.get(model)!);
    return { model, score: a.score ?? 0, cost: a.costUsd, latencyMs: a.latencyMs + decisionMs };
  };

  // Phase 1: data generation through the router's flywheel (cold-start model decides the primary).
  const baseRouterConfig = {
    apiVersion: 'router.higress-ai.io/v1alpha1' as const,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    upstream: { baseUrl: `${sim?.url ?? 'http://127.0.0.1:9'}/v1`, maxFallbacks: 2 },
    models: candidates,
    policy: { lambda: 0, baselineModel: FLAGSHIP },
    store: { kind: 'memory' as const },
  };
  let records: FlywheelRecord[];
  let status: unknown = null;
  if (!sim) {
    records = trainQs.map((q) => offlineRecord(q, models, FLAGSHIP));
  } else {
    const genRouter: RouterHandle = await startRouter(
      {
        ...baseRouterConfig,
        flywheel: {
          mode: 'data-generation',
          sampleRate: 1,
          fanOut: 'all',
          queueSize: trainQs.length + 10,
          concurrency: 16,
          evaluator: { kind: 'evaluate', url: sim.url, timeoutMs: 30_000 },
        },
      },
      { model: coldStartModel({ candidates, policy: { mode: 'utility', lambda: 0 }, baselineModel: FLAGSHIP }) },
    );
    let done = 0;
    await pool(trainQs, concurrency, async (q) => {
      await chat(genRouter.url, 'auto', renderQuestion(q));
      if (++done % 1000 === 0) console.log(`  phase 1: ${done}/${trainQs.length} sent`);
    });
    await genRouter.flywheel.drain();
    records = await genRouter.store.all();
    status = (await genRouter.status()).flywheel ?? null;
    await genRouter.close();
  }
  const phase1Seconds = (performance.now() - t0) / 1000;
  const answers = records.reduce((s, r) => s + 1 + r.shadows.length, 0);
  console.log(`phase 1: ${records.length} flywheel records, ${answers} answers in ${phase1Seconds.toFixed(1)} s`);

  // Train (model selection + λ on a validation slice of these TRAIN records).
  const t1 = performance.now();
  const { model, report } = trainWithReport(records, {
    candidates,
    lambda: { kind: 'budget', referenceModel: FLAGSHIP, maxCostFraction: Number(args['max-cost-fraction']) },
    version: `bench-${records.length}`,
  });
  const trainSeconds = (performance.now() - t1) / 1000;
  console.log(`trained ${model.version} in ${trainSeconds.toFixed(1)} s: l2=${report.chosenL2} policy=${JSON.stringify(report.policy)}`);

  if (args['model-out']) writeFileSync(args['model-out'], JSON.stringify(model.serialize()));

  // Phase 2: route each eval question once through the trained router.
  const offlineRoute = (q: QuestionRecord, lambda?: number): Outcome => {
    const prompt = renderQuestion(q);
    const started = performance.now();
    const d = model.decide({ prompt, promptTokens: Math.ceil(prompt.length / 4), ...(lambda !== undefined ? { lambda } : {}) });
    return offlineOutcome(d.model, q, performance.now() - started);
  };
  const router = sim ? await startRouter(baseRouterConfig, { model }) : null;
  const routed = router && sim ? await pool(evalQs, concurrency, (q) => ask(router.url, sim, byId, 'auto', q)) : evalQs.map((q) => offlineRoute(q));
  const routerStatus = router ? await router.status() : null;
  // The cost–quality curve: the same router with the λ knob overridden per request.
  const curve: Array<Summary & { lambda: number }> = [];
  for (const lambda of CURVE_LAMBDAS) {
    const outs =
      router && sim
        ? await pool(evalQs, concurrency, (q) => ask(router.url, sim, byId, 'auto', q, { 'x-router-lambda': String(lambda) }))
        : evalQs.map((q) => offlineRoute(q, lambda));
    curve.push({ lambda, ...summarize(outs) });
  }
  await router?.close();

  // Baselines: every model answers every eval question directly (simulator), then each baseline picks.
  const matrix = new Map<string, Outcome[]>();
  for (const m of models) {
    matrix.set(m.id, sim ? await pool(evalQs, concurrency, (q) => ask(sim.url, sim, byId, m.id, q)) : evalQs.map((q) => offlineOutcome(m.id, q)));
  }
  await sim?.close();

  const trainCost = new Map(models.map((m) => [m.id, 0]));
  for (const r of records) for (const a of [r.primary, ...r.shadows]) trainCost.set(a.model, (trainCost.get(a.model) ?? 0) + a.costUsd);
  const cheapest = [...trainCost.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  const at = (model: string, i: number): Outcome => matrix.get(model)![i]!;
  const random = seededRandom(1);
  const roundRobin = evalQs.map((_, i) => at(models[i % models.length]!.id, i));
  const randomPick = evalQs.map((_, i) => at(models[Math.floor(random() * models.length)]!.id, i));
  const oracle = evalQs.map((_, i) => {
    const options = models.map((m) => at(m.id, i));
    const correct = options.filter((o) => o.score >= 1).sort((a, b) => a.cost - b.cost);
    return correct[0] ?? options.sort((a, b) => a.cost - b.cost)[0]!;
  });
  const flagship = evalQs.map((_, i) => at(FLAGSHIP, i));
  const cheap = evalQs.map((_, i) => at(cheapest, i));
  const routerSummary = summarize(routed);
  const flagshipSummary = summarize(flagship);
  const cheapSummary = summarize(cheap);
  // Random at equal cost: flagship with probability p, else the cheapest, p matching the router's cost.
  const p = Math.min(
    1,
    Math.max(0, (routerSummary.costPerQuestion - cheapSummary.costPerQuestion) / (flagshipSummary.costPerQuestion - cheapSummary.costPerQuestion)),
  );
  const random2 = seededRandom(2);
  const equalCostPicks = evalQs.map(() => random2() < p);
  const randomEqualCost = evalQs.map((_, i) => (equalCostPicks[i] ? at(FLAGSHIP, i) : at(cheapest, i)));

  const outcomesByName: Record<string, Outcome[]> = {
    [`always-flagship (${FLAGSHIP})`]: flagship,
    [`always-cheapest (${cheapest})`]: cheap,
    random: randomPick,
    'round-robin': roundRobin,
    'random-at-equal-cost': randomEqualCost,
    'oracle (cheapest correct)': oracle,
  };
  const singleModels: Record<string, Summary> = {};
  for (const m of models) singleModels[m.id] = summarize(matrix.get(m.id)!);
  const baselines: Record<string, Summary> = {};
  for (const [name, outs] of Object.entries(outcomesByName)) baselines[name] = summarize(outs);

  const categories = [...new Set(evalQs.map((q) => q.category))].sort();
  const perCategory: Record<string, Record<string, Summary>> = {};
  for (const c of categories) {
    const idx = evalQs.map((q, i) => (q.category === c ? i : -1)).filter((i) => i >= 0);
    const pick = (outs: Outcome[]): Summary => summarize(idx.map((i) => outs[i]!));
    perCategory[c] = { router: pick(routed), ...Object.fromEntries(Object.entries(outcomesByName).map(([n, o]) => [n, pick(o)])) };
  }
  const modelShare: Record<string, number> = {};
  for (const o of routed) modelShare[o.model] = (modelShare[o.model] ?? 0) + 1 / routed.length;

  const result = {
    generatedAt: new Date().toISOString(),
    mode: sim ? 'servers' : 'offline',
    files: { train: trainFile, eval: evalFile, models: modelsFile },
    questions: { train: trainQs.length, eval: evalQs.length },
    router: {
      ...routerSummary,
      version: model.version,
      policy: model.policy,
      decisionMs: routerStatus?.decisionMs ?? null,
      modelShare,
    },
    baselines,
    singleModels,
    apgr: apgr(curve, cheapSummary, flagshipSummary),
    target: {
      accuracyAtLeastFlagship: routerSummary.accuracy >= flagshipSummary.accuracy,
      costFractionOfFlagship: routerSummary.costPerQuestion / flagshipSummary.costPerQuestion,
      costAtMost35Percent: routerSummary.costPerQuestion <= 0.35 * flagshipSummary.costPerQuestion,
    },
    curve,
    perCategory,
    training: { ...report, phase1Seconds, trainSeconds, flywheelRecords: records.length, flywheelAnswers: answers, generationStatus: status },
    latencyNote: 'latencyMs = simulated model latency (ttft + output tokens / tokens per second, unscaled) + router decision time',
    seconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);

  const png = args.png ?? args.out.replace(/\.json$/, '.png');
  writeRoutingChart(result, png);

  const row = (name: string, s: Summary): string =>
    `${name.padEnd(44)} acc=${s.accuracy.toFixed(4)}  cost=$${s.costPerQuestion.toFixed(7)}  latency=${s.latencyMs.toFixed(0)} ms`;
  console.log(row('router', routerSummary));
  for (const [n, s] of Object.entries(baselines)) console.log(row(n, s));
  console.log(
    `APGR=${result.apgr.toFixed(3)}  cost fraction of flagship=${result.target.costFractionOfFlagship.toFixed(3)}  wrote ${args.out} and ${png}  (${result.seconds.toFixed(0)} s)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
