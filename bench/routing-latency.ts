// Decision latency of the trained router, in process: p50/p99 of `decide` over the eval prompts (after a
// warm-up), plus the snapshot size. Trains offline from the train file unless --model FILE is given.
//   npx tsx bench/routing-latency.ts [--model FILE.json] [--out FILE.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRouterModel } from '../src/router/decision/load.js';
import { train } from '../src/router/training/train.js';
import type { RouterModel, SerializedRouterModel } from '../src/router/types.js';
import { candidatesFrom, loadModels, loadQuestions, offlineRecord, renderQuestion } from './lib/routing-data.js';
import { routingDataDir } from '../src/simulator/data.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' }, rounds: { type: 'string', default: '5' } } });
const dir = routingDataDir();
const models = loadModels(join(dir, 'models.json'));
const evalQs = loadQuestions(join(dir, 'questions.dev.jsonl'));
let model: RouterModel;
if (values.model) {
  model = loadRouterModel(JSON.parse(readFileSync(values.model, 'utf8')) as SerializedRouterModel);
} else {
  const records = loadQuestions(join(dir, 'questions.train.jsonl')).map((q) => offlineRecord(q, models, models[0]!.id));
  model = train(records, { candidates: candidatesFrom(models), lambda: { kind: 'fixed', policy: { mode: 'utility', lambda: 6 } } });
}
const snapshotBytes = JSON.stringify(model.serialize()).length;
// Collect training garbage first (when run with --expose-gc) so a major GC does not land in the timing.
(globalThis as { gc?: () => void }).gc?.();
const prompts = evalQs.map((q) => renderQuestion(q));
for (const p of prompts.slice(0, 200)) model.decide({ prompt: p, promptTokens: Math.ceil(p.length / 4) });
const times: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const p of prompts) {
    const t = performance.now();
    model.decide({ prompt: p, promptTokens: Math.ceil(p.length / 4) });
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
const q = (f: number): number => times[Math.min(times.length - 1, Math.floor(f * times.length))]!;
const result = {
  decisions: times.length,
  decisionMs: { p50: q(0.5), p99: q(0.99), max: times.at(-1)! },
  promptChars: { mean: prompts.reduce((s, p) => s + p.length, 0) / prompts.length, max: Math.max(...prompts.map((p) => p.length)) },
  snapshotMb: snapshotBytes / 1e6,
  rssMb: process.memoryUsage().rss / 1e6,
};
console.log(JSON.stringify(result, null, 2));
if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
