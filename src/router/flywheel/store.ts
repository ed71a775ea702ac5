import type { FlywheelRecord } from '../types.js';
import { ReasonError } from '../../util/errors.js';

// Where flywheel records live. `append` resolves only once the record is durable (the caller may then
// acknowledge it); `since` pages through records in arrival order so the trainer can read increments.

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
  close(): Promise<void>;
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
  close(): Promise<void> {
    return Promise.resolve();
  }
}
