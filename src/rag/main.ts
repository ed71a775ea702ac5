import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultRagConfig, parseRagConfig, type RagConfig } from './config.js';
import { startRagServer } from './server.js';
import { RagService } from './service.js';
import { evaluate } from './eval/run.js';
import { evalSetSchema, type RuntimeFacts } from './health.js';
import { collectDocuments, sourcesDocumentSchema } from './sources.js';
import { createLogger } from '../util/log.js';

const log = createLogger('rag-main');

// RAG_CONFIG points at the rendered ConfigMap file (YAML or JSON). Without it the server starts with
// defaults (in-memory store, hashing embedder) for local experiments.
async function loadConfig(): Promise<RagConfig> {
  const path = process.env.RAG_CONFIG;
  if (!path) return defaultRagConfig();
  const parsed = parseRagConfig(parseYaml(await readFile(path, 'utf8')));
  if (!parsed.ok) throw new Error(`${parsed.reason}: ${parsed.message}`);
  return parsed.config;
}

const config = await loadConfig();
const rag = await RagService.open(config);
const facts: RuntimeFacts = {};
const { server, url } = await startRagServer(rag, config.server.host, Number(process.env.PORT ?? config.server.port), facts);
log.info({ url: `${url}/mcp` }, 'RAG MCP server listening');

// In a cluster the operator renders sources.json beside the config; the runtime indexes them itself.
async function loadSources(): Promise<void> {
  const path = process.env.RAG_SOURCES ?? (process.env.RAG_CONFIG ? join(dirname(process.env.RAG_CONFIG), 'sources.json') : undefined);
  if (!path || !existsSync(path)) return;
  const parsed = sourcesDocumentSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    log.error({ path, err: parsed.error.message }, 'sources document is invalid; nothing indexed from it');
    return;
  }
  const started = Date.now();
  const { documents, problems } = await collectDocuments(parsed.data, process.env.RAG_SOURCES_ROOT ? { root: process.env.RAG_SOURCES_ROOT } : {});
  for (const p of problems) log.warn(p, 'source skipped');
  const report = documents.length ? await rag.ingest(documents) : { indexedDocuments: 0, indexedChunks: 0, skipped: [] };
  facts.documents = report.indexedDocuments;
  facts.lastIndexedTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  log.info({ sources: parsed.data.sources.length, ...report, skipped: report.skipped.length, ms: Date.now() - started }, 'sources indexed');
  await runEval();
}

// spec.eval: the operator mounts the eval-set ConfigMap key at RAG_EVAL (default /eval/eval.json).
async function runEval(): Promise<void> {
  const path = process.env.RAG_EVAL ?? '/eval/eval.json';
  if (!existsSync(path)) return;
  const parsed = evalSetSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    log.error({ path, err: parsed.error.message }, 'eval set is invalid; not run');
    return;
  }
  facts.lastEval = await evaluate(rag, parsed.data);
  log.info(facts.lastEval, 'eval set run');
}
loadSources().catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'loading sources failed'));

const shutdown = (): void => {
  server.close();
  void rag.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
