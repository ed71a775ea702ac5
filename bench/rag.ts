// RAG benchmark on HotpotQA (distractor setting): retrieval quality of the full pipeline, of each
// stage switched off, and of a dense-only baseline mirroring Higress's RAG server; compression;
// the CRAG evaluator; per-stage latency; retrieval latency at 10k chunks.
//   npm run bench:rag -- [--data FILE] [--out FILE.json] [--docs docs/evaluation/rag.md]
//                        [--llm-url URL --llm-model NAME] [--latency-chunks 10000] [--embedder onnx|hashing]
// --embedder onnx (the default when the model is installed: hack/ensure-embedding-model.sh) runs the dense
// retriever and the dense-only baseline on all-MiniLM-L6-v2; hashing is the no-model fallback.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRagConfig, type RagConfig, type StageSettings } from '../src/rag/config.js';
import { corpusOf, exactMatch, parseHotpot, tokenF1, type HotpotQuestion } from '../src/rag/eval/hotpot.js';
import { mean, percentile, precisionAt, recallAt, reciprocalRank, rocAuc } from '../src/rag/eval/metrics.js';
import { generateAnswer } from '../src/rag/answer.js';
import { OpenAiChatClient } from '../src/rag/llm.js';
import type { PipelineResult } from '../src/rag/pipeline.js';
import { RagService } from '../src/rag/service.js';
import { renderRagReport } from './rag-report.js';

// ../shared/data beside the repository (the data guide), else the sample the repo ships.
const SHARED = new URL('../../shared/data/rag/hotpotqa_dev_distractor_100.json', import.meta.url).pathname;
const FALLBACK = new URL('../test/fixtures/rag/hotpotqa_sample_original_layout.json', import.meta.url).pathname;
const KS = [2, 5, 10] as const;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: 'rag-bench.json' },
    docs: { type: 'string' },
    'llm-url': { type: 'string' },
    'llm-model': { type: 'string', default: 'default' },
    'latency-chunks': { type: 'string', default: '10000' },
    embedder: { type: 'string', default: 'onnx' },
  },
});

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function settingsWith(base: StageSettings, patch: (s: StageSettings) => void): StageSettings {
  const copy = structuredClone(base);
  patch(copy);
  return copy;
}

interface Variant {
  name: string;
  settings: StageSettings;
}

function variants(base: StageSettings): { pipeline: Variant; baseline: Variant; ablations: Variant[] } {
  return {
    pipeline: { name: 'pipeline', settings: base },
    // Higress's RAG MCP server: embed the query, top-k from the vector store, nothing else.
    baseline: {
      name: 'baseline',
      settings: settingsWith(base, (s) => {
        s.rewrite.enabled = false;
        s.retrieve.variant = 'dense';
        s.rerank.enabled = false;
        s.crag.enabled = false;
        s.compress.enabled = false;
      }),
    },
    ablations: [
      { name: 'rewrite', settings: settingsWith(base, (s) => void (s.rewrite.enabled = false)) },
      { name: 'sparse', settings: settingsWith(base, (s) => void (s.retrieve.variant = 'dense')) },
      { name: 'dense', settings: settingsWith(base, (s) => void (s.retrieve.variant = 'sparse')) },
      { name: 'rerank', settings: settingsWith(base, (s) => void (s.rerank.enabled = false)) },
      { name: 'crag', settings: settingsWith(base, (s) => void (s.crag.enabled = false)) },
      { name: 'compress', settings: settingsWith(base, (s) => void (s.compress.enabled = false)) },
    ],
  };
}

/** Ranked distinct paragraph titles (chunks of one paragraph collapse onto its first rank). */
function rankedTitles(r: PipelineResult): string[] {
  const out: string[] = [];
  for (const c of r.ranked) if (!out.includes(c.chunk.title)) out.push(c.chunk.title);
  return out;
}

interface QuestionOutcome {
  ranked: string[];
  result: PipelineResult;
}

function stageMs(results: PipelineResult[]): Record<string, { p50: number; p95: number }> {
  const by = new Map<string, number[]>();
  for (const r of results) {
    let total = 0;
    for (const t of r.trace) {
      (by.get(t.stage) ?? by.set(t.stage, []).get(t.stage))?.push(t.ms);
      total += t.ms;
    }
    (by.get('total') ?? by.set('total', []).get('total'))?.push(total);
  }
  const out: Record<string, { p50: number; p95: number }> = {};
  for (const [k, v] of by) out[k] = { p50: round(percentile(v, 50)), p95: round(percentile(v, 95)) };
  return out;
}

const round = (x: number, d = 4): number => Number(x.toFixed(d));

function summarise(questions: HotpotQuestion[], outcomes: QuestionOutcome[], topK: number): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const k of KS) {
    m[`recallAt${k}`] = round(mean(outcomes.map((o, i) => recallAt(o.ranked, questions[i]?.goldTitles ?? [], k))));
    m[`precisionAt${k}`] = round(mean(outcomes.map((o, i) => precisionAt(o.ranked, questions[i]?.goldTitles ?? [], k))));
  }
  m.mrr = round(mean(outcomes.map((o, i) => reciprocalRank(o.ranked, questions[i]?.goldTitles ?? []))));
  m.bothGoldAt5 = round(mean(outcomes.map((o, i) => (recallAt(o.ranked, questions[i]?.goldTitles ?? [], 5) === 1 ? 1 : 0))));

  // Compression: tokens of the top-k context before vs after; supporting sentences that were in
  // the context before compression and survive it.
  const comp = outcomes.map((o) => o.result.trace.find((t) => t.stage === 'compress' && t.status === 'ran')?.decision);
  if (comp.every((d) => d !== undefined)) {
    const before = comp.reduce((a, d) => a + Number(d?.tokensBefore ?? 0), 0);
    const after = comp.reduce((a, d) => a + Number(d?.tokensAfter ?? 0), 0);
    let available = 0;
    let kept = 0;
    let total = 0;
    outcomes.forEach((o, i) => {
      const q = questions[i];
      if (!q) return;
      const inTopK = new Set(o.result.ranked.slice(0, topK).map((c) => c.chunk.title));
      const keptSet = new Set(o.result.context.flatMap((p) => p.sentences.map((s) => `${p.title}\u0000${s.index}`)));
      for (const f of q.supportingFacts) {
        total++;
        if (!inTopK.has(f.title)) continue;
        available++;
        if (keptSet.has(`${f.title}\u0000${f.sentence}`)) kept++;
      }
    });
    m.compression = {
      tokensBefore: before,
      tokensAfter: after,
      tokenReduction: round(1 - after / Math.max(1, before)),
      supportingSentenceRetention: round(kept / Math.max(1, available)),
      supportingSentencesInContext: round(kept / Math.max(1, total)),
    };
  }

  // CRAG evaluator: label "sufficient" = both gold paragraphs in the top-k it judged.
  const judged = outcomes.map((o, i) => ({ crag: o.result.crag, label: recallAt(o.ranked, questions[i]?.goldTitles ?? [], topK) === 1 }));
  if (judged.every((j) => j.crag)) {
    const cm = { correct: { sufficient: 0, insufficient: 0 }, ambiguous: { sufficient: 0, insufficient: 0 }, incorrect: { sufficient: 0, insufficient: 0 } };
    for (const j of judged) if (j.crag) cm[j.crag.verdict][j.label ? 'sufficient' : 'insufficient']++;
    const binaryCorrect = judged.filter((j) => (j.crag?.verdict === 'correct') === j.label).length;
    const decided = judged.filter((j) => j.crag?.verdict !== 'ambiguous');
    const decidedCorrect = decided.filter((j) => (j.crag?.verdict === 'correct') === j.label).length;
    m.crag = {
      accuracy: round(binaryCorrect / judged.length),
      accuracyOnDecided: round(decidedCorrect / Math.max(1, decided.length)),
      ambiguousRate: round(1 - decided.length / judged.length),
      auc: round(
        rocAuc(
          judged.map((j) => j.crag?.score ?? 0),
          judged.map((j) => j.label),
        ),
      ),
      sufficientRate: round(judged.filter((j) => j.label).length / judged.length),
      confusion: cm,
    };
  }
  m.latencyMs = stageMs(outcomes.map((o) => o.result));
  return m;
}

async function runVariant(rag: RagService, questions: HotpotQuestion[], v: Variant): Promise<QuestionOutcome[]> {
  const out: QuestionOutcome[] = [];
  for (const q of questions) {
    const result = await rag.search(q.question, { settings: v.settings });
    out.push({ ranked: rankedTitles(result), result });
  }
  return out;
}

function paragraphsAsDocuments(paras: { id: string; title: string; sentences: string[] }[]): unknown[] {
  return paras.map((p) => ({ id: p.id, title: p.title, sentences: p.sentences.map((s) => s.trim()), source: `hotpotqa:${p.title}` }));
}

// Latency corpus: the real paragraphs plus synthetic variants until `target` chunks exist. Variant
// v of a paragraph rotates its sentences by v, appends one sentence of another (seeded-random)
// paragraph and gets the title "<title> (variant v)": same vocabulary and length distribution as
// the real corpus, so posting lists and vector neighbourhoods are realistically dense.
function latencyCorpus(paras: { id: string; title: string; sentences: string[] }[], target: number): unknown[] {
  const docs = paragraphsAsDocuments(paras);
  let seed = 42;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let v = 1; docs.length < target; v++) {
    for (const p of paras) {
      if (docs.length >= target) break;
      const other = paras[Math.floor(rand() * paras.length)];
      const rot = p.sentences.map((_, i) => p.sentences[(i + v) % p.sentences.length] ?? '');
      docs.push({
        id: `${p.id}::v${v}`,
        title: `${p.title} (variant ${v})`,
        sentences: [...rot, other?.sentences[0] ?? ''].map((s) => s.trim()).filter(Boolean),
      });
    }
  }
  return docs;
}

function embeddingConfig(kind: string): RagConfig['embedding'] {
  if (kind === 'hashing') return { kind: 'hashing', dimensions: 256 };
  if (kind !== 'onnx') throw new Error(`--embedder ${kind}: expected onnx or hashing`);
  const modelDir = execFileSync('bash', [new URL('../hack/ensure-embedding-model.sh', import.meta.url).pathname, '--print-dir'], { encoding: 'utf8' }).trim();
  return { kind: 'onnx', modelDir };
}

async function main(): Promise<void> {
  const dataPath = args.data ?? (existsSync(SHARED) ? SHARED : FALLBACK);
  const questions = parseHotpot(JSON.parse(readFileSync(dataPath, 'utf8')));
  const corpus = corpusOf(questions, sha);
  const dir = mkdtempSync(join(tmpdir(), 'rag-bench-'));
  const embedding = embeddingConfig(args.embedder ?? 'onnx');
  const config: RagConfig = defaultRagConfig({ store: { kind: 'lancedb', path: join(dir, 'db'), table: 'chunks' }, embedding });
  console.log(`data ${dataPath}: ${questions.length} questions, ${corpus.length} distinct paragraphs`);
  const rag = await RagService.open(config);
  try {
    let t = performance.now();
    const ing = await rag.ingest(paragraphsAsDocuments(corpus));
    await rag.settle();
    console.log(`indexed ${ing.indexedDocuments} paragraphs as ${ing.indexedChunks} chunks in ${(performance.now() - t).toFixed(0)} ms`);
    const v = variants(config.stages);
    const report: Record<string, unknown> = {
      data: { path: dataPath, questions: questions.length, paragraphs: corpus.length, chunks: ing.indexedChunks },
      config: { topK: config.topK, embedding: config.embedding, store: 'lancedb', stages: config.stages },
    };
    const pipeline = await runVariant(rag, questions, v.pipeline);
    report.pipeline = summarise(questions, pipeline, config.topK);
    report.baseline = summarise(questions, await runVariant(rag, questions, v.baseline), config.topK);
    const ablations: Record<string, unknown> = {};
    for (const a of v.ablations) ablations[a.name] = summarise(questions, await runVariant(rag, questions, a), config.topK);
    report.ablations = ablations;
    // Sensitivity of compression to its two thresholds (reported, not used to pick the defaults:
    // those are fixed a priori, see docs/evaluation/rag.md).
    const sweep: unknown[] = [];
    for (const minSentenceScore of [0.1, 0.2, 0.3]) {
      for (const minPassageScore of [0.3, 0.45, 0.6]) {
        const settings = settingsWith(config.stages, (s) => {
          s.compress.minSentenceScore = minSentenceScore;
          s.compress.minPassageScore = minPassageScore;
        });
        const c = summarise(questions, await runVariant(rag, questions, { name: 'sweep', settings }), config.topK).compression as Record<string, number>;
        sweep.push({ minSentenceScore, minPassageScore, tokenReduction: c.tokenReduction, supportingSentenceRetention: c.supportingSentenceRetention });
      }
    }
    report.compressionSweep = sweep;
    const p = report.pipeline as { recallAt5: number };
    const b = report.baseline as { recallAt5: number };
    report.recallAt5RelativeGain = round(p.recallAt5 / b.recallAt5 - 1);

    if (args['llm-url']) {
      const llm = new OpenAiChatClient({ baseUrl: args['llm-url'], model: args['llm-model'] ?? 'default', timeoutMs: 60000 });
      const em: number[] = [];
      const f1: number[] = [];
      for (const [i, q] of questions.entries()) {
        const ctx = pipeline[i]?.result.context ?? [];
        const a = await generateAnswer(llm, `${q.question} Answer with a short span only.`, ctx);
        const text = a.answer.replace(/\[\d+\]/g, '').trim();
        em.push(exactMatch(text, q.answer));
        f1.push(tokenF1(text, q.answer));
      }
      report.answer = { model: args['llm-model'], em: round(mean(em)), f1: round(mean(f1)) };
    }

    // Latency at scale: a fresh store with ≥ target chunks, full pipeline over the same questions.
    const target = Number(args['latency-chunks']);
    if (target > 0) {
      const big = await RagService.open(defaultRagConfig({ store: { kind: 'lancedb', path: join(dir, 'big'), table: 'chunks' }, embedding }));
      try {
        t = performance.now();
        const bi = await big.ingest(latencyCorpus(corpus, target));
        const ingestMs = performance.now() - t;
        t = performance.now();
        await big.settle();
        const indexMs = performance.now() - t;
        await runVariant(big, questions.slice(0, 10), v.pipeline); // warm-up
        const outcomes = await runVariant(big, questions, v.pipeline);
        const baseOutcomes = await runVariant(big, questions, v.baseline);
        report.latency = {
          chunks: bi.indexedChunks,
          ingestMs: Math.round(ingestMs),
          vectorIndexBuildMs: Math.round(indexMs),
          cpus: availableParallelism(),
          // Other jobs share the machine; the 1-minute load average says how contended it was.
          loadAverage1m: round(loadavg()[0] ?? 0, 2),
          // Quality on the 10k corpus: synthetic variants carry other titles, so they act as
          // near-duplicate distractors (and exercise the approximate index).
          pipelineRecallAt5: round(mean(outcomes.map((o, i) => recallAt(o.ranked, questions[i]?.goldTitles ?? [], 5)))),
          baselineRecallAt5: round(mean(baseOutcomes.map((o, i) => recallAt(o.ranked, questions[i]?.goldTitles ?? [], 5)))),
          pipelineMs: stageMs(outcomes.map((o) => o.result)),
          baselineMs: stageMs(baseOutcomes.map((o) => o.result)),
        };
      } finally {
        await big.close();
      }
    }
    writeFileSync(args.out ?? 'rag-bench.json', `${JSON.stringify(report, null, 2)}\n`);
    if (args.docs) writeFileSync(args.docs, renderRagReport(report));
    printSummary(report);
  } finally {
    await rag.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSummary(r: Record<string, unknown>): void {
  const row = (name: string, m: Record<string, unknown>): string =>
    `${name.padEnd(18)} R@2 ${String(m.recallAt2)} R@5 ${String(m.recallAt5)} R@10 ${String(m.recallAt10)} P@5 ${String(m.precisionAt5)} MRR ${String(m.mrr)}`;
  console.log(row('pipeline', r.pipeline as Record<string, unknown>));
  console.log(row('baseline(dense)', r.baseline as Record<string, unknown>));
  for (const [k, m] of Object.entries(r.ablations as Record<string, Record<string, unknown>>)) console.log(row(`-${k}`, m));
  console.log(`recall@5 relative gain over baseline: ${String(r.recallAt5RelativeGain)}`);
  console.log('compression', JSON.stringify((r.pipeline as Record<string, unknown>).compression));
  console.log('crag', JSON.stringify((r.pipeline as Record<string, unknown>).crag));
  console.log('latency', JSON.stringify(r.latency));
  if (r.answer) console.log('answer', JSON.stringify(r.answer));
}

await main();
