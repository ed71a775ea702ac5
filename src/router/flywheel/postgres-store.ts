import pg from 'pg';
import type { FlywheelRecord } from '../types.js';
import type { SpendDelta, WindowSpend } from '../budget/governor.js';
import { noSpend, readAll, StoreError, type FlywheelStore, type RecordPage } from './store.js';
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
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table}_spend (
        window_key TEXT PRIMARY KEY,
        usd DOUBLE PRECISION NOT NULL,
        requests BIGINT NOT NULL,
        first_at TIMESTAMPTZ NOT NULL
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

  // One statement per delta: concurrent replicas add under the row lock, each reading back the sum it made.
  async addSpend(delta: SpendDelta): Promise<WindowSpend> {
    try {
      const r =
        delta.usd === 0 && delta.requests === 0
          ? await this.pool.query<SpendRow>(`SELECT usd, requests, first_at FROM ${this.table}_spend WHERE window_key = $1`, [delta.window])
          : await this.pool.query<SpendRow>(
              `INSERT INTO ${this.table}_spend AS s (window_key, usd, requests, first_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (window_key) DO UPDATE SET usd = s.usd + excluded.usd, requests = s.requests + excluded.requests
               RETURNING usd, requests, first_at`,
              [delta.window, delta.usd, delta.requests, delta.at],
            );
      const row = r.rows[0];
      return row ? { usd: row.usd, requests: Number(row.requests), firstAt: row.first_at.toISOString() } : noSpend(delta);
    } catch (err) {
      throw new StoreError('StoreWriteFailed', errorMessage(err));
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface SpendRow {
  usd: number;
  /** BIGINT: node-postgres returns it as a string. */
  requests: string;
  first_at: Date;
}
