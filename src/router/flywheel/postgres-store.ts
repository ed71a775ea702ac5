import pg from 'pg';
import type { FlywheelRecord } from '../types.js';
import { readAll, StoreError, type FlywheelStore, type RecordPage } from './store.js';
import { errorMessage } from '../../util/errors.js';

// Shared store for several router replicas writing one dataset. Each append is its own committed
// statement (synchronous_commit stays at the server default, on), so an acknowledged record is durable.

export interface PostgresStoreOptions {
  connectionString: string;
  table?: string;
  poolSize?: number;
}

export class PostgresStore implements FlywheelStore {
  readonly kind = 'postgres';
  private readonly table: string;

  private constructor(
    private readonly pool: pg.Pool,
    table: string,
  ) {
    this.table = table;
  }

  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const table = opts.table ?? 'flywheel_records';
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new StoreError('StoreOpenFailed', `invalid table name '${table}'`);
    const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize ?? 4 });
    // An idle client losing its server must not crash the router; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        body JSONB NOT NULL
      )`);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError('StoreOpenFailed', `postgres: ${errorMessage(err)}`);
    }
    return new PostgresStore(pool, table);
  }

  async append(record: FlywheelRecord): Promise<void> {
    try {
      await this.pool.query(`INSERT INTO ${this.table} (id, created_at, body) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
        record.id,
        record.createdAt,
        JSON.stringify(record),
      ]);
    } catch (err) {
      throw new StoreError('StoreWriteFailed', errorMessage(err));
    }
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(r.rows[0]?.n ?? 0);
  }

  async since(cursor: number, limit = 10_000): Promise<RecordPage> {
    const r = await this.pool.query<{ seq: string; body: FlywheelRecord }>(`SELECT seq, body FROM ${this.table} WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      cursor,
      limit,
    ]);
    const last = r.rows.at(-1);
    return { records: r.rows.map((row) => row.body), cursor: last ? Number(last.seq) : cursor };
  }

  all(): Promise<FlywheelRecord[]> {
    return readAll(this);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
