import { readFile } from 'node:fs/promises';
import { defaultRagConfig, evalSetSchema, loadRagConfigFile, type RagConfig, type RuntimeFacts } from './config.js';
import { ingestAccess, startRagServer } from './server.js';
import { RagService } from './service.js';
import { evaluate } from './eval/run.js';
import { collectDocuments } from './sources.js';
import { errorMessage } from '../util/errors.js';
import { createLogger } from '../util/log.js';

const log = createLogger('rag-main');

// RAG_CONFIG points at the one document the operator renders (src/rag/config.ts): settings, sources and the
// eval set all come from it. Without it the server starts with defaults (in-memory store, hashing embedder,
// no sources) for local experiments.
async function loadConfig(): Promise<RagConfig> {
  const path = process.env.RAG_CONFIG;
  if (!path) return defaultRagConfig();
  const parsed = await loadRagConfigFile(path);
  if (!parsed.ok) throw new Error(`${parsed.reason}: ${parsed.message}`);
  return parsed.config;
}

const config = await loadConfig();
const rag = await RagService.open(config);
const facts: RuntimeFacts = {};
const { server, url } = await startRagServer(rag, config.server.host, config.server.port, facts, ingestAccess(config.ingest));
log.info({ url: `${url}/mcp` }, 'RAG MCP server listening');

/** Index the document's sources, then run its eval set; both are reported on /healthz. */
async function loadSources(): Promise<void> {
  const started = Date.now();
  const { documents, problems } = await collectDocuments(config.sources);
  for (const p of problems) log.warn(p, 'source skipped');
  const report = documents.length ? await rag.ingest(documents) : { indexedDocuments: 0, indexedChunks: 0, skipped: [] };
  facts.documents = report.indexedDocuments;
  facts.lastIndexedTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  log.info({ sources: config.sources.items.length, ...report, skipped: report.skipped.length, ms: Date.now() - started }, 'sources indexed');
  await runEval();
}

async function runEval(): Promise<void> {
  if (!config.eval) return;
  const parsed = evalSetSchema.safeParse(JSON.parse(await readFile(config.eval.path, 'utf8')));
  if (!parsed.success) {
    log.error({ path: config.eval.path, err: parsed.error.message }, 'eval set is invalid; not run');
    return;
  }
  facts.lastEval = await evaluate(rag, parsed.data);
  log.info(facts.lastEval, 'eval set run');
}
loadSources().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'loading sources failed'));

const shutdown = (): void => {
  server.close();
  void rag.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
