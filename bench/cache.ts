// Semantic-cache benchmark on Quora question pairs (../shared/data/cache/README.md has the protocol):
// insert every text_a, look up every text_b; a hit on a duplicate pair that returns its own entry is
// correct, any other hit serves a wrong answer. Compares the ai-cache plugin's behaviour (one static
// threshold on the top-1 cosine) with ours (verifier + δ-calibrated threshold) on the same embedder.
// The verifier is fitted and calibrated on the first half of the file and reported on the second.
//   npm run bench:cache -- [--data FILE] [--out FILE.json] [--save-verifier FILE] [--lookup-entries 100000] [--model-dir DIR]
//                          [--lookup-from cache-lookup.json]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OnnxEmbedder, type TokenVectors } from '../src/embed/onnx.js';
import { MemoryCacheStore } from '../src/cache/memory-store.js';
import { FEATURE_NAMES, pairFeatures, type PairSide } from '../src/cache/pair-features.js';
import { keyRequest, normaliseQuestion } from '../src/cache/request-key.js';
import { SemanticCache } from '../src/cache/semantic-cache.js';
import { VectorIndex } from '../src/cache/vector-index.js';
import { Verifier, calibrationTable, fitVerifier, wilsonUpper, type Labelled } from '../src/cache/verifier.js';
import { percentile } from '../src/util/stats.js';
import { embedAllCached, type EmbeddedText } from './cache-embeddings.js';
import { measureIndex, syntheticEntries } from './cache-lookup.js';
import { CANDIDATES, FIT_SHARE, MIN_COSINE, type Pair } from './lib/cache-protocol.js';

const DEFAULT_DATA = new URL('../../shared/data/cache/qqp_pairs.dev.jsonl', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_DATA },
    out: { type: 'string', default: 'cache-bench.json' },
    'save-verifier': { type: 'string' },
    'lookup-entries': { type: 'string', default: '100000' },
    delta: { type: 'string', default: '0.03' },
    /** Take lookupMs from a bench/cache-lookup.ts JSON instead of measuring again (the 100k build is minutes). */
    'lookup-from': { type: 'string' },
    /** The sentence encoder's directory (model.onnx, tokenizer.json[, 1_Pooling/config.json]): calibrate a verifier
     *  with the encoder the router mounts. Default: hack/ensure-embedding-model.sh's English model. */
    'model-dir': { type: 'string' },
  },
});

const log = (s: string): void => console.error(`[bench:cache] ${s}`);
// Replay prices: a typical frontier chat model ($ per 1M tokens) and a typical answer length.
const PRICE = { pricePer1MInput: 2.5, pricePer1MOutput: 10 };
const ANSWER_TOKENS = 300;
const SYSTEM_TOKENS = 20;

interface Query {
  pair: Pair;
  /** Position of the query's own entry in its part. */
  own: number;
  /** Some entry holds the very same question (normalised): the exact-key layer answers it, rightly. */
  exact: boolean;
  /** The entry the exact-key layer serves (its own pair's when both questions are identical), else -1. */
  exactEntry: number;
  /** Top-1 by cosine: what the plugin serves. */
  top1: { entry: number; cosine: number };
  /** Candidates above MIN_COSINE with their features. */
  candidates: { entry: number; features: Float64Array; correct: 0 | 1 }[];
}

function side(text: string, e: EmbeddedText): PairSide {
  return { text, vector: e.vector, tokens: e.tokens, rows: e.rows };
}

/** Lookups of one part: entries = its text_a, queries = its text_b (exact search: the decision is what is measured). */
function lookups(pairs: Pair[], emb: (p: Pair, which: 'a' | 'b') => EmbeddedText): Query[] {
  const index = new VectorIndex(emb(pairs[0] as Pair, 'a').vector.length, { flatLimit: Number.MAX_SAFE_INTEGER });
  pairs.forEach((p, i) => index.add(String(i), emb(p, 'a').vector));
  const exactKeys = new Set(pairs.map((p) => normaliseQuestion(p.text_a)));
  return pairs.map((p, i) => {
    const qe = emb(p, 'b');
    const nn = index.searchExact(qe.vector, CANDIDATES);
    const top = nn[0] as { id: string; score: number };
    const candidates = nn
      .filter((n) => n.score >= MIN_COSINE)
      .map((n) => {
        const j = Number(n.id);
        const c = pairs[j] as Pair;
        const correct: 0 | 1 = p.label === 1 && j === i ? 1 : 0;
        return { entry: j, features: pairFeatures(side(p.text_b, qe), side(c.text_a, emb(c, 'a'))), correct };
      });
    return {
      pair: p,
      own: i,
      exact: exactKeys.has(normaliseQuestion(p.text_b)),
      exactEntry: -1,
      top1: { entry: Number(top.id), cosine: top.score },
      candidates,
    };
  });
}

// The pair features take minutes on 2 shared cores (token alignment); they depend only on the data,
// the embedder and this file's feature code, so they are kept beside the embeddings.
function cachedLookups(key: string, compute: () => [Query[], Query[]], pairs: Pair[]): [Query[], Query[]] {
  const file = join(benchCacheDir(), `lookups-${createHash('sha256').update(key).update(FEATURE_NAMES.join(',')).digest('hex').slice(0, 16)}.json`);
  type Stored = { pair: number; own: number; exact?: boolean; top1: Query['top1']; candidates: { entry: number; features: number[]; correct: 0 | 1 }[] }[];
  const revive = (qs: Stored): Query[] =>
    qs.map((q) => ({
      ...q,
      exact: false,
      exactEntry: -1,
      pair: pairs[q.pair] as Pair,
      candidates: q.candidates.map((c) => ({ ...c, features: Float64Array.from(c.features) })),
    }));
  if (existsSync(file)) {
    const [a, b] = JSON.parse(readFileSync(file, 'utf8')) as [Stored, Stored];
    log(`lookups: reusing ${file}`);
    return [revive(a), revive(b)];
  }
  const [a, b] = compute();
  const index = new Map(pairs.map((p, i) => [p, i]));
  const store = (qs: Query[]): Stored =>
    qs.map((q) => ({ ...q, pair: index.get(q.pair) as number, candidates: q.candidates.map((c) => ({ ...c, features: Array.from(c.features) })) }));
  writeFileSync(file, JSON.stringify([store(a), store(b)]));
  return [a, b];
}

function benchCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'higress-ai-operator', 'bench-cache');
}

interface CurvePoint {
  knob: number;
  recall: number;
  wrongShare: number;
  hitRate: number;
  hits: number;
  wrongHits: number;
}

/**
 * Two scorings of the same served hits.
 * - `strict` (this bench's since it was written; the keys `static`/`verified` of the JSON): a hit is right
 *   only when a label-1 query gets its own pair's entry, or the served entry is the very same question;
 *   every other hit is wrong — also a label-1 query answered from another pair's entry.
 * - `readme` (the data README's protocol, the one issue 8 names): right = a label-1 query gets its own
 *   pair's entry; wrong = any hit on a label-0 query, taken literally — also an exact-key hit, where the
 *   label-0 query's text is identical to another pair's cached question; a label-1 query answered from
 *   another pair's entry is neither (it still counts as a hit in the wrong share's denominator).
 */
type Scoring = 'strict' | 'readme';
interface Served {
  q: Query;
  entry: number;
  exact: boolean;
}
type Outcome = 'right' | 'wrong' | 'neither';

function outcome(s: Served, scoring: Scoring): Outcome {
  const own = s.q.pair.label === 1 && s.entry === s.q.own;
  if (scoring === 'strict') return own || s.exact ? 'right' : 'wrong';
  if (own) return 'right';
  return s.q.pair.label === 0 ? 'wrong' : 'neither';
}

function point(knob: number, served: Served[], qs: Query[], scoring: Scoring): CurvePoint {
  const hits = served.length;
  const outcomes = served.map((s) => outcome(s, scoring));
  const correct = outcomes.filter((o) => o === 'right').length;
  const wrong = outcomes.filter((o) => o === 'wrong').length;
  const duplicates = qs.filter((q) => q.pair.label === 1).length;
  return { knob, recall: correct / duplicates, wrongShare: hits ? wrong / hits : 0, hitRate: hits / qs.length, hits, wrongHits: wrong };
}

function staticServed(qs: Query[], threshold: number): Served[] {
  // Both caches answer an identical question from the exact key first (the plugin does too).
  return qs
    .filter((q) => q.exact || q.top1.cosine >= threshold)
    .map((q) => (q.exact ? { q, entry: q.exactEntry, exact: true } : { q, entry: q.top1.entry, exact: false }));
}

function staticPoint(qs: Query[], threshold: number, scoring: Scoring = 'strict'): CurvePoint {
  return point(threshold, staticServed(qs, threshold), qs, scoring);
}

function bestScored(q: Query, verifier: Verifier): { score: number; correct: 0 | 1; entry: number } | undefined {
  let best: { score: number; correct: 0 | 1; entry: number } | undefined;
  for (const c of q.candidates) {
    const score = verifier.score(c.features);
    if (!best || score > best.score) best = { score, correct: c.correct, entry: c.entry };
  }
  return best;
}

/**
 * What the protocol calls a served entry. Only `right` counts as correct; the strict scoring this bench
 * reports counts every other kind as wrong, while the data README's wording ("any hit on a label-0
 * query is a wrong answer") leaves `duplicateOtherPair` — a duplicate question answered from another
 * pair's entry, often the same question worded again — neither right nor wrong.
 */
type ServedKind = 'right' | 'nonDuplicateOwnPair' | 'nonDuplicateOtherPair' | 'duplicateOtherPair';
function servedKind(q: Query, entry: number): ServedKind {
  if (q.pair.label === 1) return entry === q.own ? 'right' : 'duplicateOtherPair';
  return entry === q.own ? 'nonDuplicateOwnPair' : 'nonDuplicateOtherPair';
}

/**
 * How far down a ranking of semantic hits can go before its wrong share passes δ — computed on TRAINING
 * lookups only, so it says which δ is attainable at all before anything is reported. `minCertifiableDelta`
 * is the smallest one-sided 95 % Wilson upper bound over every score cut: a δ below it can only be met
 * by serving no semantic hit. The top-k rows break the wrong hits down by kind.
 */
function attainability(ranked: { score: number; kind: ServedKind }[]): Record<string, unknown> {
  const sorted = [...ranked].sort((a, b) => b.score - a.score);
  let strictWrong = 0;
  let readmeWrong = 0;
  let minStrict = 1;
  let minReadme = 1;
  const kinds: Record<ServedKind, number> = { right: 0, nonDuplicateOwnPair: 0, nonDuplicateOtherPair: 0, duplicateOtherPair: 0 };
  const top: Record<string, unknown>[] = [];
  sorted.forEach((r, i) => {
    kinds[r.kind]++;
    if (r.kind !== 'right') strictWrong++;
    if (r.kind === 'nonDuplicateOwnPair' || r.kind === 'nonDuplicateOtherPair') readmeWrong++;
    const n = i + 1;
    if (sorted[i + 1]?.score !== r.score) {
      minStrict = Math.min(minStrict, wilsonUpper(strictWrong, n));
      minReadme = Math.min(minReadme, wilsonUpper(readmeWrong, n));
    }
    if ([25, 50, 100, 200, 400].includes(n))
      top.push({ k: n, score: round(r.score), strictWrongShare: round(strictWrong / n), readmeWrongShare: round(readmeWrong / n), ...kinds });
  });
  return { semanticCandidates: sorted.length, minCertifiableDelta: { strict: round(minStrict), readme: round(minReadme) }, top };
}

function verifiedServed(qs: Query[], verifier: Verifier, delta: number): Served[] {
  const tau = verifier.thresholdFor(delta);
  return qs.flatMap((q): Served[] => {
    if (q.exact) return [{ q, entry: q.exactEntry, exact: true }];
    const b = bestScored(q, verifier);
    return b && b.score >= tau ? [{ q, entry: b.entry, exact: false }] : [];
  });
}

function verifiedPoint(qs: Query[], verifier: Verifier, delta: number, scoring: Scoring = 'strict'): CurvePoint {
  return point(delta, verifiedServed(qs, verifier, delta), qs, scoring);
}

/** The static threshold most favourable to the plugin, chosen on the report part itself: the highest recall whose wrong share is no worse than ours. */
/**
 * Above every cosine the plugin serves exact-key hits only (its semantic layer off): that setting is on the curve
 * too. Without it a stepped threshold could end just under a near-identical pair's cosine (1.0000001 on one CPU,
 * 0.9999999 on another) and find no static point at a 0 % wrong share at all: the ratio read Infinity.
 */
const SEMANTIC_OFF = 1.01;

function bestStaticAtOrBelow(qs: Query[], wrongShare: number, scoring: Scoring): CurvePoint | undefined {
  let best: CurvePoint | undefined;
  const thresholds = Array.from({ length: 1001 }, (_, i) => 0.5 + i * 0.0005).concat(SEMANTIC_OFF);
  for (const t of thresholds) {
    const p = staticPoint(qs, t, scoring);
    if (p.hits > 0 && p.wrongShare <= wrongShare && (!best || p.recall > best.recall)) best = p;
  }
  return best;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const roundPoint = (p: CurvePoint): CurvePoint => ({ ...p, recall: round(p.recall), wrongShare: round(p.wrongShare), hitRate: round(p.hitRate) });

async function measureEmbedding(
  embedder: OnnxEmbedder,
  texts: string[],
): Promise<{ p50: number; p99: number; batchedPerText: number; threads: number; loadAverage: number }> {
  const single: number[] = [];
  for (const t of texts.slice(0, 100)) {
    const s = performance.now();
    await embedder.embed([t]);
    single.push(performance.now() - s);
  }
  const batch = texts.slice(100, 356);
  const s = performance.now();
  await embedder.embed(batch);
  const batchedPerText = (performance.now() - s) / batch.length;
  return {
    p50: round(percentile(single, 50), 2),
    p99: round(percentile(single, 99), 2),
    batchedPerText: round(batchedPerText, 2),
    threads: 2,
    loadAverage: round(loadavg()[0] ?? 0, 1),
  };
}

/** The replay: each pair's first question, then its second, through the real SemanticCache (memory store). */
async function replay(pairs: Pair[], emb: (p: Pair, which: 'a' | 'b') => EmbeddedText, verifier: Verifier, delta: number): Promise<Record<string, number>> {
  const byText = new Map<string, EmbeddedText>();
  for (const p of pairs) {
    // The cache embeds the trimmed question (request-key.ts); a few Quora texts carry spaces around.
    byText.set(p.text_a.trim(), emb(p, 'a'));
    byText.set(p.text_b.trim(), emb(p, 'b'));
  }
  // The embeddings are precomputed: the replay measures decisions and savings, not the model again.
  const embedder = {
    name: 'precomputed',
    dimensions: emb(pairs[0] as Pair, 'a').vector.length,
    embed: (texts: string[]): Promise<Float32Array[]> => Promise.resolve(texts.map((t) => (byText.get(t) as EmbeddedText).vector)),
    embedWithTokens: (texts: string[]): Promise<TokenVectors[]> => Promise.resolve(texts.map((t) => byText.get(t) as EmbeddedText)),
  };
  const cache = new SemanticCache({ store: new MemoryCacheStore(pairs.length * 2), embedder, verifier, delta, ttlSeconds: 0, price: () => PRICE });
  let correct = 0;
  let wrong = 0;
  let calls = 0;
  let spent = 0;
  const cost = (q: string): number => ((SYSTEM_TOKENS + Math.ceil(q.length / 4)) * PRICE.pricePer1MInput + ANSWER_TOKENS * PRICE.pricePer1MOutput) / 1e6;
  for (const p of pairs) {
    for (const [which, text] of [
      ['a', p.text_a],
      ['b', p.text_b],
    ] as const) {
      const k = keyRequest('bench', 'gpt-4o', [{ role: 'user', content: text }]);
      if (!k) continue;
      const r = await cache.lookup(k);
      if (r.hit) {
        const right = which === 'b' && p.label === 1 && r.entry.question === p.text_a;
        if (right || r.entry.question === text) correct++;
        else wrong++;
        continue;
      }
      calls++;
      spent += cost(text);
      await cache.store(
        k,
        {
          completion: { id: `answer-${p.id}-${which}`, object: 'chat.completion', model: 'gpt-4o', choices: [] },
          promptTokens: SYSTEM_TOKENS + Math.ceil(text.length / 4),
          completionTokens: ANSWER_TOKENS,
        },
        r.vector,
      );
    }
  }
  const s = cache.stats();
  return {
    requests: pairs.length * 2,
    upstreamCalls: calls,
    hits: s.exactHits + s.semanticHits,
    correctHits: correct,
    wrongHits: wrong,
    wrongHitEstimate: round(s.wrongHitEstimate, 1),
    usdSpent: round(spent, 2),
    usdSaved: round(s.usdSaved, 2),
    usdWithoutCache: round(spent + s.usdSaved, 2),
  };
}

async function main(): Promise<void> {
  const modelDir =
    args['model-dir'] ??
    execFileSync('bash', [new URL('../hack/ensure-embedding-model.sh', import.meta.url).pathname, '--print-dir'], { encoding: 'utf8' }).trim();
  const pairs: Pair[] = readFileSync(args.data, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Pair);
  const embedder = await OnnxEmbedder.open({ modelDir, threads: 2 });
  log(`${pairs.length} pairs; embedder ${embedder.name} (${embedder.dimensions}-d)`);
  const texts = pairs.flatMap((p) => [p.text_a, p.text_b]);
  const embedded = await embedAllCached(embedder, texts, log);
  const position = new Map(pairs.map((p, i) => [p, i]));
  const embFast = (p: Pair, which: 'a' | 'b'): EmbeddedText => embedded[(position.get(p) as number) * 2 + (which === 'a' ? 0 : 1)] as EmbeddedText;

  const half = Math.floor(pairs.length / 2);
  const train = pairs.slice(0, half);
  const report = pairs.slice(half);
  log(`lookups: train ${train.length} pairs, report ${report.length} pairs`);
  const [trainQ, reportQ] = cachedLookups(`${args.data}:${pairs.length}:${embedder.name}`, () => [lookups(train, embFast), lookups(report, embFast)], pairs);
  // Recomputed, not cached: which lookups the exact-key layer answers.
  for (const [part, qs] of [
    [train, trainQ],
    [report, reportQ],
  ] as const) {
    const keys = new Map<string, number>();
    part.forEach((p, i) => {
      const k = normaliseQuestion(p.text_a);
      if (!keys.has(k)) keys.set(k, i);
    });
    for (const q of qs) {
      const k = normaliseQuestion(q.pair.text_b);
      q.exact = keys.has(k);
      q.exactEntry = normaliseQuestion(q.pair.text_a) === k ? q.own : (keys.get(k) ?? -1);
    }
  }

  // Fit on 60 % of the training queries, calibrate on the other 40 % (what would be served: the best candidate).
  const fitCut = Math.floor(trainQ.length * FIT_SHARE);
  // Identical questions never reach the verifier (exact key), so they neither train nor calibrate it.
  const fitExamples: Labelled[] = trainQ
    .slice(0, fitCut)
    .filter((q) => !q.exact)
    .flatMap((q) => q.candidates.map((c) => ({ features: c.features, label: c.correct })));
  const fitted = fitVerifier(fitExamples, { embedder: embedder.name });
  const provisional = new Verifier({ ...fitted, calibration: [] });
  const calibration = calibrationTable(
    trainQ
      .slice(fitCut)
      .filter((q) => !q.exact)
      .map((q) => bestScored(q, provisional))
      .filter((b): b is { score: number; correct: 0 | 1; entry: number } => b !== undefined)
      .map((b) => ({ score: b.score, label: b.correct })),
  );
  const verifier = new Verifier({ ...fitted, calibration });
  if (args['save-verifier']) writeFileSync(args['save-verifier'], `${JSON.stringify(verifier.model, null, 2)}\n`);
  log(`verifier weights ${fitted.weights.map((w) => w.toFixed(2)).join(' ')}`);
  // On training lookups only: the verifier's ranking on its calibration part (not fitted on), and the
  // plugin's top-1 cosine on the whole training half.
  const calibrationPart = trainQ.slice(fitCut).filter((q) => !q.exact);
  const attain = {
    verifierOnCalibrationPart: attainability(
      calibrationPart.flatMap((q) => {
        const b = bestScored(q, provisional);
        return b ? [{ score: b.score, kind: servedKind(q, b.entry) }] : [];
      }),
    ),
    cosineOnTrainHalf: attainability(trainQ.filter((q) => !q.exact).map((q) => ({ score: q.top1.cosine, kind: servedKind(q, q.top1.entry) }))),
  };
  log(
    `attainable δ (train only): verifier ${JSON.stringify(attain.verifierOnCalibrationPart.minCertifiableDelta)}, cosine ${JSON.stringify(attain.cosineOnTrainHalf.minCertifiableDelta)}`,
  );

  const thresholds = [0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99];
  const staticCurve = thresholds.map((t) => roundPoint(staticPoint(reportQ, t)));
  const deltas = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2];
  const verifiedCurve = deltas.map((d) => roundPoint(verifiedPoint(reportQ, verifier, d)));
  const delta = Number(args.delta);
  const at = verifiedPoint(reportQ, verifier, delta);
  const staticBest = bestStaticAtOrBelow(reportQ, at.wrongShare, 'strict');
  const ratio = staticBest && staticBest.recall > 0 ? at.recall / staticBest.recall : Infinity;
  log(
    `δ=${delta} (strict): recall ${at.recall.toFixed(3)} wrong ${at.wrongShare.toFixed(3)}; static at ≤ same wrong share: recall ${staticBest?.recall.toFixed(3)} (threshold ${staticBest?.knob.toFixed(4)}), ratio ${ratio.toFixed(2)}`,
  );
  // The same decisions scored by the data README's protocol (see `Scoring`).
  const atReadme = verifiedPoint(reportQ, verifier, delta, 'readme');
  const staticBestReadme = bestStaticAtOrBelow(reportQ, atReadme.wrongShare, 'readme');
  const ratioReadme = staticBestReadme && staticBestReadme.recall > 0 ? atReadme.recall / staticBestReadme.recall : Infinity;
  log(
    `δ=${delta} (README scoring): recall ${atReadme.recall.toFixed(3)} wrong ${atReadme.wrongShare.toFixed(3)}; static at ≤ same wrong share: recall ${staticBestReadme?.recall.toFixed(3)} (threshold ${staticBestReadme?.knob.toFixed(4)}), ratio ${ratioReadme.toFixed(2)}`,
  );

  const lookupEntries = Number(args['lookup-entries']);
  let lookupMs: Record<string, unknown>;
  if (args['lookup-from']) {
    lookupMs = { from: args['lookup-from'], ...(JSON.parse(readFileSync(args['lookup-from'], 'utf8')) as Record<string, unknown>) };
  } else if (lookupEntries === 0) {
    lookupMs = { skipped: 'run with --lookup-entries 0; measure with bench/cache-lookup.ts and pass --lookup-from' };
  } else {
    const base = embedded.filter((_, i) => i % 2 === 0).map((e) => e.vector);
    const queries = reportQ.slice(0, 1000).map((q) => embFast(q.pair, 'b').vector);
    lookupMs = {
      note: 'ANN search only (IVF), embedding excluded; entries beyond the 10,000 real text_a vectors are perturbed copies; cpu = process CPU time per lookup',
    };
    for (const n of [10_000, lookupEntries]) {
      log(`lookup latency at ${n} entries...`);
      lookupMs[`${Math.round(n / 1000)}k`] = await measureIndex(syntheticEntries(base, n), queries, CANDIDATES);
    }
  }
  log('embedding latency...');
  const embedMs = await measureEmbedding(
    embedder,
    report.map((p) => p.text_b),
  );
  log('replay...');
  const replayResult = await replay(report, embFast, verifier, delta);

  const out = {
    data: {
      file: args.data,
      pairs: pairs.length,
      trainPairs: train.length,
      reportPairs: report.length,
      protocol: 'insert text_a, look up text_b; fit+calibrate on the first half, report on the second',
    },
    embedder: embedder.name,
    scoring: {
      strict:
        'keys static and verified: right = a label-1 query served its own pair entry, or an exact-key hit (identical question); every other hit is wrong, also a label-1 query served another pair entry',
      readme:
        'key readmeProtocol (the data README, the protocol issue 8 names): right = a label-1 query served its own pair entry; wrong = any hit on a label-0 query, exact-key hits included; a label-1 query served another pair entry is neither (still a hit)',
    },
    static: { description: 'ai-cache plugin: serve the top-1 entry when its cosine ≥ knob', scoring: 'strict', curve: staticCurve },
    verified: {
      description: 'verifier score over the top-3 candidates ≥ threshold calibrated for δ (knob) on held-out training lookups',
      scoring: 'strict',
      curve: verifiedCurve,
      atDelta: {
        delta,
        recall: round(at.recall),
        wrongShare: round(at.wrongShare),
        hitRate: round(at.hitRate),
        threshold: round(verifier.thresholdFor(delta), 5),
      },
      staticAtSameWrongShare: staticBest
        ? { threshold: round(staticBest.knob), recall: round(staticBest.recall), wrongShare: round(staticBest.wrongShare) }
        : null,
      recallRatio: round(ratio, 2),
      attainability: {
        note: 'training lookups only (no report data): the smallest δ any score cut can certify, and the kinds of wrong hits at the top of each ranking',
        ...attain,
      },
    },
    readmeProtocol: {
      note: 'the same served hits as static/verified (same thresholds, same calibration), scored by the data README protocol (see scoring.readme)',
      static: { curve: thresholds.map((t) => roundPoint(staticPoint(reportQ, t, 'readme'))) },
      verified: {
        curve: deltas.map((d) => roundPoint(verifiedPoint(reportQ, verifier, d, 'readme'))),
        atDelta: {
          delta,
          recall: round(atReadme.recall),
          wrongShare: round(atReadme.wrongShare),
          hitRate: round(atReadme.hitRate),
          hits: atReadme.hits,
          wrongHits: atReadme.wrongHits,
        },
        staticAtSameWrongShare: staticBestReadme
          ? { threshold: round(staticBestReadme.knob), recall: round(staticBestReadme.recall), wrongShare: round(staticBestReadme.wrongShare) }
          : null,
        recallRatio: round(ratioReadme, 2),
      },
      exactKeyHits: {
        note: 'identical questions the exact key serves (both caches); on a label-0 query the README scoring counts them wrong',
        total: reportQ.filter((q) => q.exact).length,
        onLabel0Queries: reportQ.filter((q) => q.exact && q.pair.label === 0).length,
      },
    },
    lookupMs,
    embedMs,
    replay: {
      note: `report pairs in order, first question then second; $${PRICE.pricePer1MInput}/$${PRICE.pricePer1MOutput} per 1M tokens, ${ANSWER_TOKENS}-token answers`,
      ...replayResult,
    },
    usdSaved: replayResult.usdSaved,
  };
  writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    JSON.stringify(
      {
        atDelta: out.verified.atDelta,
        static: out.verified.staticAtSameWrongShare,
        ratio: out.verified.recallRatio,
        readme: {
          atDelta: out.readmeProtocol.verified.atDelta,
          static: out.readmeProtocol.verified.staticAtSameWrongShare,
          ratio: out.readmeProtocol.verified.recallRatio,
        },
        lookupMs: out.lookupMs,
        embedMs,
        usdSaved: out.usdSaved,
      },
      null,
      2,
    ),
  );
  await embedder.close();
}

await main();
