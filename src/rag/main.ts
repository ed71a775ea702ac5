import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { defaultRagConfig, parseRagConfig, type RagConfig } from './config.js';
import { startRagServer } from './server.js';
import { RagService } from './service.js';
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
const { server, url } = await startRagServer(rag, config.server.host, Number(process.env.PORT ?? config.server.port));
log.info({ url: `${url}/mcp` }, 'RAG MCP server listening');

const shutdown = (): void => {
  server.close();
  void rag.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
