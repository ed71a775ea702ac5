import * as lancedb from '@lancedb/lancedb';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RagError, errorMessage } from '../errors.js';
import type { Chunk, StoredChunk } from '../types.js';
import { chunkToRow, rowToChunk, TEXT_COLUMNS } from './rows.js';
import type { ChunkStore, VectorHit } from './types.js';

export const VECTOR_REFINE_FACTOR = 4;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

// Embedded default: LanceDB keeps columnar files under a directory (a PVC in the cluster), searches
// vectors natively and survives restarts. The table is created on first write because LanceDB infers
// the schema (and the vector dimension) from data.
export class LanceDbStore implements ChunkStore {
  readonly kind = 'lancedb';
  private table: lancedb.Table | undefined;
  private indexed = false;

  /** Set when the table's vectors come from another embedder (`old → new`): RagService re-embeds with rebuild(). */
  staleSpace: string | undefined;

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly path: string,
    private readonly tableName: string,
    private readonly dimensions: number,
    private readonly vectorIndexMinRows: number,
    private readonly embedder: string | undefined,
  ) {}

  /**
   * `embedder` names the vector space (Embedder.name); it is recorded beside the table, so a pipeline whose
   * embedder changed (hashing → a sentence encoder, a new model file) finds its table stale instead of comparing
   * vectors of two spaces or failing on their widths.
   */
  static async open(path: string, tableName: string, dimensions: number, vectorIndexMinRows = 5000, embedder?: string): Promise<LanceDbStore> {
    let db: lancedb.Connection;
    try {
      db = await lancedb.connect(path);
    } catch (err) {
      throw new RagError('StoreUnavailable', `cannot open LanceDB at ${path}: ${errorMessage(err)}`, { cause: err });
    }
    const store = new LanceDbStore(db, path, tableName, dimensions, vectorIndexMinRows, embedder);
    if ((await db.tableNames()).includes(tableName)) {
      store.table = await db.openTable(tableName);
      store.indexed = (await store.table.listIndices()).some((i) => i.columns.includes('vector'));
      const field = (await store.table.schema()).fields.find((f) => f.name === 'vector');
      const width = (field?.type as { listSize?: number } | undefined)?.listSize;
      const recorded = store.recordedEmbedder();
      if (width !== undefined && width !== dimensions) store.staleSpace = `${recorded ?? `${width}-d vectors`} → ${embedder ?? `${dimensions}-d`}`;
      else if (embedder !== undefined && recorded !== undefined && recorded !== embedder) store.staleSpace = `${recorded} → ${embedder}`;
      // A table from before the embedder was recorded, of the right width: taken as this embedder's.
      else if (recorded === undefined) store.recordEmbedder();
    }
    return store;
  }

  private get spaceFile(): string {
    return join(this.path, `${this.tableName}.embedder`);
  }

  private recordedEmbedder(): string | undefined {
    return existsSync(this.spaceFile) ? readFileSync(this.spaceFile, 'utf8').trim() : undefined;
  }

  private recordEmbedder(): void {
    if (this.embedder !== undefined) writeFileSync(this.spaceFile, `${this.embedder}\n`);
  }

  /** Replaces the whole table by `chunks` (their vectors from the current embedder) and records the embedder. */
  async rebuild(chunks: StoredChunk[]): Promise<void> {
    if (this.table) {
      this.table.close();
      await this.db.dropTable(this.tableName);
    }
    this.table = undefined;
    this.indexed = false;
    await this.replaceDocuments([], chunks);
    this.recordEmbedder();
    this.staleSpace = undefined;
  }

  async replaceDocuments(docIds: string[], chunks: StoredChunk[]): Promise<void> {
    const rows = chunks.map(chunkToRow);
    if (!this.table) {
      if (rows.length === 0) return;
      this.table = await this.db.createTable(this.tableName, rows as unknown as Record<string, unknown>[], { mode: 'create', existOk: false });
      this.recordEmbedder();
      return;
    }
    if (docIds.length > 0) {
      // Delete in slices: one huge IN list is slow to parse. Lance SQL quotes identifiers with
      // backticks; a double-quoted "docId" would be a string literal and silently match nothing.
      for (let i = 0; i < docIds.length; i += 500) {
        await this.table.delete(
          `\`docId\` IN (${docIds
            .slice(i, i + 500)
            .map(sqlString)
            .join(',')})`,
        );
      }
    }
    if (rows.length > 0) await this.table.add(rows as unknown as Record<string, unknown>[]);
  }

  async vectorSearch(vector: Float32Array, k: number): Promise<VectorHit[]> {
    if (!this.table) return [];
    let q = this.table.query().nearestTo(Array.from(vector)).distanceType('cosine');
    // PQ distances are approximate: re-score a few times k candidates on the full vectors.
    if (this.indexed) q = q.refineFactor(VECTOR_REFINE_FACTOR);
    const rows = (await q.select(['id', '_distance']).limit(k).toArray()) as { id: string; _distance: number }[];
    return rows.map((r) => ({ id: r.id, score: 1 - r._distance }));
  }

  // IVF-PQ (Jégou et al. 2011) with √n partitions and 8-dimension sub-vectors, the usual LanceDB
  // starting point. Rows added after the build are searched exactly until optimize() folds them in.
  async maintain(): Promise<{ action: 'none' | 'created' | 'refreshed'; ms: number }> {
    const started = performance.now();
    if (!this.table) return { action: 'none', ms: 0 };
    const rows = await this.table.countRows();
    if (rows < this.vectorIndexMinRows) return { action: 'none', ms: performance.now() - started };
    const existing = (await this.table.listIndices()).find((i) => i.columns.includes('vector'));
    if (!existing) {
      const numSubVectors = this.dimensions % 8 === 0 ? this.dimensions / 8 : 1;
      await this.table.createIndex('vector', {
        config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.round(Math.sqrt(rows))), numSubVectors }),
      });
      this.indexed = true;
      return { action: 'created', ms: performance.now() - started };
    }
    const stats = await this.table.indexStats(existing.name);
    if (stats && stats.numUnindexedRows > 0.1 * rows) {
      await this.table.optimize();
      return { action: 'refreshed', ms: performance.now() - started };
    }
    return { action: 'none', ms: performance.now() - started };
  }

  async allChunks(): Promise<Chunk[]> {
    if (!this.table) return [];
    const rows = (await this.table
      .query()
      .select([...TEXT_COLUMNS])
      .toArray()) as Record<string, unknown>[];
    return rows.map(rowToChunk);
  }

  async count(): Promise<number> {
    return this.table ? this.table.countRows() : 0;
  }

  close(): Promise<void> {
    this.table?.close();
    this.db.close();
    return Promise.resolve();
  }
}
