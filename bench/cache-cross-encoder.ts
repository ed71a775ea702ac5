// xenc16: candidate lookups of the cache benchmark's TRAINING half for the cross-encoder experiment
// (bench/cache-cross-encoder.py; docs/evaluation/cache.md, "xenc16: a fine-tuned cross-encoder").
// Reads only the first half of the data file (the half bench/cache.ts fits and calibrates on), embeds it
// with the product's embedder and writes, for every query (text_b), what bench/cache.ts would look at:
// the exact-key answer and the top-3 entries (text_a) by cosine ≥ 0.7 — the verifier's candidates.
// The report half is never read.
//   npx tsx bench/cache-cross-encoder.ts [--data FILE] [--out FILE.json]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnnxEmbedder } from '../src/embed/onnx.js';
import { normaliseQuestion } from '../src/cache/request-key.js';
import { VectorIndex } from '../src/cache/vector-index.js';
import { embedAllCached } from './cache-embeddings.js';
import { CANDIDATES, FIT_SHARE, MIN_COSINE, type Pair } from './lib/cache-protocol.js';

const DEFAULT_DATA = new URL('../../shared/data/cache/qqp_pairs.dev.jsonl', import.meta.url).pathname;
const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'higress-ai-operator', 'bench-cache');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_DATA },
    out: { type: 'string', default: join(cacheDir, 'xenc16-train-lookups.json') },
  },
});

const log = (s: string): void => console.error(`[bench:cache-cross-encoder] ${s}`);

async function main(): Promise<void> {
  const modelDir = execFileSync('bash', [new URL('../hack/ensure-embedding-model.sh', import.meta.url).pathname, '--print-dir'], { encoding: 'utf8' }).trim();
  const lines = readFileSync(args.data, 'utf8').split('\n').filter(Boolean);
  // Only the training half is parsed at all.
  const train = lines.slice(0, Math.floor(lines.length / 2)).map((l) => JSON.parse(l) as Pair);
  const embedder = await OnnxEmbedder.open({ modelDir, threads: 2 });
  log(`${train.length} training pairs of ${lines.length}; embedder ${embedder.name}`);
  const embedded = await embedAllCached(
    embedder,
    train.flatMap((p) => [p.text_a, p.text_b]),
    log,
  );
  const vec = (i: number, which: 'a' | 'b'): Float32Array => (embedded[i * 2 + (which === 'a' ? 0 : 1)] as { vector: Float32Array }).vector;
  const index = new VectorIndex(vec(0, 'a').length, { flatLimit: Number.MAX_SAFE_INTEGER });
  train.forEach((_, i) => index.add(String(i), vec(i, 'a')));
  const keys = new Map<string, number>();
  train.forEach((p, i) => {
    const k = normaliseQuestion(p.text_a);
    if (!keys.has(k)) keys.set(k, i);
  });
  const queries = train.map((p, i) => {
    const k = normaliseQuestion(p.text_b);
    const exact = keys.has(k);
    const exactEntry = normaliseQuestion(p.text_a) === k ? i : (keys.get(k) ?? -1);
    const nn = index.searchExact(vec(i, 'b'), CANDIDATES);
    const top = nn[0] as { id: string; score: number };
    return {
      own: i,
      label: p.label,
      exact,
      exactEntry,
      top1: { entry: Number(top.id), cosine: top.score },
      candidates: nn.filter((n) => n.score >= MIN_COSINE).map((n) => ({ entry: Number(n.id), cosine: n.score })),
    };
  });
  const fitCut = Math.floor(queries.length * FIT_SHARE);
  writeFileSync(
    args.out,
    `${JSON.stringify({ data: args.data, trainPairs: train.length, fitCut, embedder: embedder.name, candidates: CANDIDATES, minCosine: MIN_COSINE, queries })}\n`,
  );
  log(`wrote ${args.out} (fit = queries 0..${fitCut - 1}, calibration = ${fitCut}..${queries.length - 1})`);
  await embedder.close();
}

await main();
