import type { SpendDelta, WindowSpend } from '../budget/governor.js';
import type { FlywheelRecord } from '../types.js';
import { ReasonError } from '../../util/errors.js';

// Where flywheel records live. `append` resolves only once the record is durable (the caller may then
// acknowledge it); `since` pages through records in arrival order so the trainer can read increments.
// The store also keeps the budget's spend ledger, one row per budget window: whoever shares the records (a
// restarted process, the replicas on PostgreSQL) shares one budget.

export interface RecordPage {
  records: FlywheelRecord[];
  /** Pass back to `since` for the records after these. */
  cursor: number;
}

export interface FlywheelStore {
  readonly kind: string;
  append(record: FlywheelRecord): Promise<void>;
  count(): Promise<number>;
  /** Records after `cursor` (0 = from the start), at most `limit`. */
  since(cursor: number, limit?: number): Promise<RecordPage>;
  all(): Promise<FlywheelRecord[]>;
  /**
   * Adds `delta` to its window's spend and returns the window's total (a zero delta only reads it; the first
   * non-zero one opens the window's row at `delta.at`).
   */
  addSpend(delta: SpendDelta): Promise<WindowSpend>;
  close(): Promise<void>;
}

/** What a window's ledger row holds before anyone spent in it. */
export function noSpend(delta: SpendDelta): WindowSpend {
  return { usd: 0, requests: 0, firstAt: delta.at };
}

export class StoreError extends ReasonError<'StoreOpenFailed' | 'StoreWriteFailed' | 'StoreReadFailed'> {}

/** Every record, paging through `since` so no single query holds the whole table. */
export async function readAll(store: Pick<FlywheelStore, 'since'>): Promise<FlywheelRecord[]> {
  const out: FlywheelRecord[] = [];
  let cursor = 0;
  for (;;) {
    const page = await store.since(cursor);
    if (page.records.length === 0) return out;
    out.push(...page.records);
    cursor = page.cursor;
  }
}

/** Non-durable store for tests and for running without a volume. */
export class MemoryStore implements FlywheelStore {
  readonly kind = 'memory';
  private readonly records: FlywheelRecord[] = [];
  private readonly spend = new Map<string, WindowSpend>();
  append(record: FlywheelRecord): Promise<void> {
    this.records.push(record);
    return Promise.resolve();
  }
  count(): Promise<number> {
    return Promise.resolve(this.records.length);
  }
  since(cursor: number, limit = 10_000): Promise<RecordPage> {
    const records = this.records.slice(cursor, cursor + limit);
    return Promise.resolve({ records, cursor: cursor + records.length });
  }
  all(): Promise<FlywheelRecord[]> {
    return Promise.resolve([...this.records]);
  }
  addSpend(delta: SpendDelta): Promise<WindowSpend> {
    const row = this.spend.get(delta.window);
    if (delta.usd === 0 && delta.requests === 0) return Promise.resolve({ ...(row ?? noSpend(delta)) });
    const next = { usd: (row?.usd ?? 0) + delta.usd, requests: (row?.requests ?? 0) + delta.requests, firstAt: row?.firstAt ?? delta.at };
    this.spend.set(delta.window, next);
    return Promise.resolve({ ...next });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
