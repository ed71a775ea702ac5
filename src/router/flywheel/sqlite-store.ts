import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FlywheelRecord } from '../types.js';
import type { SpendDelta, WindowSpend } from '../budget/governor.js';
import { noSpend, readAll, StoreError, type FlywheelStore, type RecordPage } from './store.js';
import { errorMessage } from '../../util/errors.js';

// The embedded default: one SQLite file on the router's volume. WAL lets the trainer read while the
// flywheel writes; synchronous=FULL makes every committed append survive a crash, not just a kill.

export class SqliteStore implements FlywheelStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly countStmt: Database.Statement<[], { n: number }>;
  private readonly sinceStmt: Database.Statement<[number, number], { seq: number; body: string }>;
  private readonly addSpendStmt: Database.Statement<[string, number, number, string], SpendRow>;
  private readonly spendStmt: Database.Statement<[string], SpendRow>;

  constructor(readonly path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`CREATE TABLE IF NOT EXISTS flywheel_records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
      )`);
      this.db.exec(`CREATE TABLE IF NOT EXISTS budget_spend (
        window_key TEXT PRIMARY KEY,
        usd REAL NOT NULL,
        requests INTEGER NOT NULL,
        first_at TEXT NOT NULL
      )`);
    } catch (err) {
      throw new StoreError('StoreOpenFailed', `sqlite ${path}: ${errorMessage(err)}`);
    }
    this.insert = this.db.prepare('INSERT OR IGNORE INTO flywheel_records (id, created_at, body) VALUES (?, ?, ?)');
    this.countStmt = this.db.prepare('SELECT count(*) AS n FROM flywheel_records');
    this.sinceStmt = this.db.prepare('SELECT seq, body FROM flywheel_records WHERE seq > ? ORDER BY seq LIMIT ?');
    this.addSpendStmt = this.db.prepare(
      `INSERT INTO budget_spend (window_key, usd, requests, first_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (window_key) DO UPDATE SET usd = usd + excluded.usd, requests = requests + excluded.requests
       RETURNING usd, requests, first_at`,
    );
    this.spendStmt = this.db.prepare('SELECT usd, requests, first_at FROM budget_spend WHERE window_key = ?');
  }

  append(record: FlywheelRecord): Promise<void> {
    try {
      this.insert.run(record.id, record.createdAt, JSON.stringify(record));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(new StoreError('StoreWriteFailed', errorMessage(err)));
    }
  }

  count(): Promise<number> {
    return Promise.resolve(this.countStmt.get()?.n ?? 0);
  }

  since(cursor: number, limit = 10_000): Promise<RecordPage> {
    const rows = this.sinceStmt.all(cursor, limit);
    return Promise.resolve({
      records: rows.map((r) => JSON.parse(r.body) as FlywheelRecord),
      cursor: rows.at(-1)?.seq ?? cursor,
    });
  }

  all(): Promise<FlywheelRecord[]> {
    return readAll(this);
  }

  addSpend(delta: SpendDelta): Promise<WindowSpend> {
    try {
      const row =
        delta.usd === 0 && delta.requests === 0 ? this.spendStmt.get(delta.window) : this.addSpendStmt.get(delta.window, delta.usd, delta.requests, delta.at);
      return Promise.resolve(row ? { usd: row.usd, requests: row.requests, firstAt: row.first_at } : noSpend(delta));
    } catch (err) {
      return Promise.reject(new StoreError('StoreWriteFailed', errorMessage(err)));
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

interface SpendRow {
  usd: number;
  requests: number;
  first_at: string;
}
