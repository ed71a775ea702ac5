import { RAG_DEFAULTS, type RagConfig } from './config.js';
import { checkDocument, chunkDocument } from './chunking.js';
import { encoderUnavailable } from '../embed/registry.js';
import { createEmbedder } from './embed/registry.js';
import type { Embedder } from './embed/types.js';
import { OpenAiChatClient, type ChatClient } from './llm.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import { SparseIndex } from './sparse-index.js';
import { stagesFor } from './stages/registry.js';
import type { StageDeps } from './stages/types.js';
import { openStore } from './store/registry.js';
import type { ChunkStore } from './store/types.js';
import type { Chunk, StoredChunk } from './types.js';
import { HttpWebSearch } from './web-search.js';
import { createLogger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';

const log = createLogger('rag');

export interface IngestReport {
  indexedDocuments: number;
  indexedChunks: number;
  skipped: { position: number; reason: string; message: string }[];
}

// Owns the store, the sparse index and the stage dependencies; the MCP server and the benchmark
// are thin shells around it.
export class RagService {
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: RagConfig,
    readonly store: ChunkStore,
    readonly index: SparseIndex,
    readonly embedder: Embedder,
    readonly llm: ChatClient | undefined,
    /** Why the configured embedder is not the one serving (its /healthz says so). */
    readonly degraded: { reason: string; message: string } | undefined,
  ) {}

  static async open(config: RagConfig, overrides: { embedder?: Embedder; store?: ChunkStore } = {}): Promise<RagService> {
    let degraded: { reason: string; message: string } | undefined;
    let embedder = overrides.embedder;
    if (!embedder) {
      try {
        embedder = await createEmbedder(config.embedding);
      } catch (err) {
        // The encoder's files missing from the volume (a wrong path) must not crash-loop the pod: the hashing
        // embedder serves until they are there, /healthz says why, and the next start re-embeds the index.
        degraded = encoderUnavailable(err);
        if (!degraded) throw err;
        log.error({ reason: degraded.reason, err: degraded.message }, 'sentence encoder unavailable: serving with the hashing embedder');
        embedder = await createEmbedder({ kind: 'hashing', dimensions: RAG_DEFAULTS.hashingDimensions });
      }
    }
    const store = overrides.store ?? (await openStore(config.store, embedder.dimensions, embedder.name));
    if (store.staleSpace !== undefined && store.rebuild) {
      // The text is kept beside the vectors, so a change of embedder costs one pass over it, not the documents
      // ingested through the API since the sources were loaded.
      const chunks = await store.allChunks();
      log.warn({ chunks: chunks.length, embedder: store.staleSpace }, 'the embedder changed: re-embedding the stored chunks');
      await store.rebuild(await embedChunks(embedder, chunks));
    }
    const index = new SparseIndex();
    for (const c of await store.allChunks()) index.add(c);
    const llm = config.llm ? new OpenAiChatClient(config.llm) : undefined;
    log.info({ store: store.kind, chunks: index.size, embedder: embedder.name }, 'rag service opened');
    return new RagService(config, store, index, embedder, llm, degraded);
  }

  deps(overrides: Partial<StageDeps> = {}): StageDeps {
    const web = this.config.webSearch;
    return {
      index: this.index,
      store: this.store,
      embedder: this.embedder,
      idf: Object.assign((t: string) => this.index.idf(t), { known: (t: string) => this.index.has(t) }),
      topK: this.config.topK,
      settings: this.config.stages,
      llm: this.llm,
      webSearch: web ? { provider: new HttpWebSearch(web), topK: web.topK } : undefined,
      ...overrides,
    };
  }

  // Writes are serialised so the store and the sparse index change together; searches run freely.
  // Embedding happens before anything is written, so an embedding failure leaves the index intact.
  ingest(documents: unknown[]): Promise<IngestReport> {
    const run = async (): Promise<IngestReport> => {
      const skipped: IngestReport['skipped'] = [];
      const docs: Exclude<ReturnType<typeof checkDocument>, { ok: false }>[] = [];
      documents.forEach((d, i) => {
        const c = checkDocument(d, i);
        if (c.ok) docs.push(c);
        else skipped.push({ position: i, reason: c.reason, message: c.message });
      });
      const chunks = docs.flatMap((d) => chunkDocument(d, this.config.chunking.maxChars));
      const stored = await embedChunks(this.embedder, chunks);
      const docIds = [...new Set(docs.map((d) => d.docId))];
      await this.store.replaceDocuments(docIds, stored);
      this.index.removeDocuments(new Set(docIds));
      for (const c of chunks) this.index.add(c);
      if (skipped.length > 0) log.warn({ skipped }, 'documents skipped during ingest');
      return { indexedDocuments: docIds.length, indexedChunks: chunks.length, skipped };
    };
    const next = this.writes.then(run, run);
    // Index maintenance rides on the write queue after the ingest it follows, so it never races a
    // write, but the caller does not wait for it.
    this.writes = next.catch(() => undefined).then(() => this.maintainStore());
    return next;
  }

  /** Waits for queued writes and index maintenance (the benchmark and tests use it). */
  async settle(): Promise<void> {
    await this.writes;
  }

  private async maintainStore(): Promise<void> {
    if (!this.store.maintain) return;
    try {
      const r = await this.store.maintain();
      if (r.action !== 'none') log.info({ action: r.action, ms: Math.round(r.ms) }, 'vector index maintained');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'vector index maintenance failed; exact search continues');
    }
  }

  search(query: string, overrides: Partial<StageDeps> = {}): Promise<PipelineResult> {
    const deps = this.deps(overrides);
    return runPipeline(query, stagesFor(deps.settings), deps);
  }

  async close(): Promise<void> {
    await this.writes.catch(() => undefined);
    await this.store.close();
  }
}

/** Chunks with their vectors, embedded in batches (title and text, as ingest always has). */
async function embedChunks(embedder: Embedder, chunks: Chunk[]): Promise<StoredChunk[]> {
  const stored: StoredChunk[] = [];
  const batch = 256;
  for (let i = 0; i < chunks.length; i += batch) {
    const slice = chunks.slice(i, i + batch);
    const vectors = await embedder.embed(slice.map((c) => `${c.title}\n${c.sentences.join(' ')}`));
    slice.forEach((c, j) => stored.push({ ...c, vector: vectors[j] as Float32Array }));
  }
  return stored;
}
