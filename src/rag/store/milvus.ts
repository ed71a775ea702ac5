import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { RagConfig } from '../config.js';
import { RagError, errorMessage } from '../errors.js';
import type { Chunk, StoredChunk } from '../types.js';
import { chunkToRow, rowToChunk, TEXT_COLUMNS } from './rows.js';
import type { ChunkStore, VectorHit } from './types.js';

type MilvusConfig = Extract<RagConfig['store'], { kind: 'milvus' }>;

interface Status {
  error_code?: string | number;
  code?: number;
  reason?: string;
}

// Milvus returns errors as a status in the response rather than throwing.
function check(op: string, status: Status | undefined): void {
  const failed =
    status &&
    ((status.error_code !== undefined && status.error_code !== 'Success' && status.error_code !== 0) || (status.code !== undefined && status.code !== 0));
  if (failed) throw new RagError('StoreUnavailable', `Milvus ${op} failed: ${status.reason ?? JSON.stringify(status)}`);
}

function quote(s: string): string {
  return JSON.stringify(s);
}

const QUERY_PAGE = 1000;

// Adapter for Milvus, the engine Higress's own RAG server uses, for corpora that outgrow one
// machine. Same row shape as the LanceDB store; cosine metric; FLAT index (exact) by default, which
// Milvus replaces with AUTOINDEX-style ANN indexes when an operator configures them.
export class MilvusStore implements ChunkStore {
  readonly kind = 'milvus';

  private constructor(
    private readonly client: MilvusClient,
    private readonly collection: string,
  ) {}

  static async open(cfg: MilvusConfig, dimensions: number): Promise<MilvusStore> {
    const username = cfg.usernameEnv ? process.env[cfg.usernameEnv] : undefined;
    const password = cfg.passwordEnv ? process.env[cfg.passwordEnv] : undefined;
    let client: MilvusClient;
    try {
      client = new MilvusClient({ address: cfg.address, ...(username ? { username } : {}), ...(password ? { password } : {}) });
      const has = await client.hasCollection({ collection_name: cfg.collection });
      check('hasCollection', has.status);
      if (!has.value) {
        const created = await client.createCollection({
          collection_name: cfg.collection,
          fields: [
            { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 1024 },
            { name: 'docId', data_type: DataType.VarChar, max_length: 1024 },
            { name: 'title', data_type: DataType.VarChar, max_length: 2048 },
            { name: 'sentencesJson', data_type: DataType.VarChar, max_length: 65535 },
            { name: 'sentenceOffset', data_type: DataType.Int64 },
            { name: 'source', data_type: DataType.VarChar, max_length: 2048 },
            { name: 'vector', data_type: DataType.FloatVector, dim: dimensions },
          ],
          index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'COSINE' }],
        });
        check('createCollection', created);
      } else {
        const desc = await client.describeCollection({ collection_name: cfg.collection });
        check('describeCollection', desc.status);
        const vec = desc.schema.fields.find((f) => f.name === 'vector');
        const dim = Number(vec?.type_params?.find((p) => p.key === 'dim')?.value ?? dimensions);
        if (dim !== dimensions)
          throw new RagError('EmbeddingDimensionMismatch', `collection ${cfg.collection} holds ${dim}-d vectors but the embedder makes ${dimensions}-d`);
      }
      check('loadCollection', await client.loadCollection({ collection_name: cfg.collection }));
    } catch (err) {
      if (err instanceof RagError) throw err;
      throw new RagError('StoreUnavailable', `cannot open Milvus at ${cfg.address}: ${errorMessage(err)}`, { cause: err });
    }
    return new MilvusStore(client, cfg.collection);
  }

  async replaceDocuments(docIds: string[], chunks: StoredChunk[]): Promise<void> {
    for (let i = 0; i < docIds.length; i += 500) {
      const res = await this.client.delete({
        collection_name: this.collection,
        filter: `docId in [${docIds
          .slice(i, i + 500)
          .map(quote)
          .join(',')}]`,
      });
      check('delete', res.status);
    }
    if (chunks.length === 0) return;
    const res = await this.client.insert({
      collection_name: this.collection,
      data: chunks.map((c) => ({ ...chunkToRow(c) })),
    });
    check('insert', res.status);
  }

  async vectorSearch(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const res = await this.client.search({
      collection_name: this.collection,
      data: [Array.from(vector)],
      limit: k,
      output_fields: ['id'],
      metric_type: 'COSINE',
    });
    check('search', res.status);
    return (res.results as { id: string | number; score: number }[]).map((r) => ({ id: String(r.id), score: r.score }));
  }

  async allChunks(): Promise<Chunk[]> {
    const out: Chunk[] = [];
    // Paged by primary key so a large collection never needs one huge response.
    let after = '';
    for (;;) {
      const res = await this.client.query({
        collection_name: this.collection,
        filter: `id > ${quote(after)}`,
        output_fields: [...TEXT_COLUMNS],
        limit: QUERY_PAGE,
      });
      check('query', res.status);
      const rows = (res.data as Record<string, unknown>[]).sort((a, b) => String(a.id).localeCompare(String(b.id)));
      out.push(...rows.map(rowToChunk));
      if (rows.length < QUERY_PAGE) return out;
      // Milvus ids of this collection are VARCHAR primary keys (see the schema above), so String() is exact.
      after = (rows[rows.length - 1]?.id as string | undefined) ?? '';
    }
  }

  async count(): Promise<number> {
    const res = await this.client.count({ collection_name: this.collection });
    check('count', res.status);
    return Number(res.data);
  }

  async close(): Promise<void> {
    await this.client.closeConnection();
  }
}
