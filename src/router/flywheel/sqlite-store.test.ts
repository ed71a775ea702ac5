import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { FlywheelRecord } from '../types.js';
import { parseCaptured } from './capture.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rec = (id: string): FlywheelRecord => ({
  id,
  createdAt: new Date().toISOString(),
  prompt: `p${id}`,
  request: { model: 'auto' },
  routerVersion: 'v1',
  primary: { model: 'm', output: 'o', latencyMs: 1, inputTokens: 2, outputTokens: 3, costUsd: 0.1, score: 1 },
  shadows: [],
});

describe('SqliteStore', () => {
  it('appends durably, pages with a cursor, ignores duplicate ids and survives reopening', async () => {
    const path = join(dir, 'sub', 'f.db');
    const s = new SqliteStore(path);
    for (const id of ['a', 'b', 'c', 'a']) await s.append(rec(id));
    expect(await s.count()).toBe(3);
    const p1 = await s.since(0, 2);
    expect(p1.records.map((r) => r.id)).toEqual(['a', 'b']);
    const p2 = await s.since(p1.cursor, 2);
    expect(p2.records.map((r) => r.id)).toEqual(['c']);
    await s.close();
    const again = new SqliteStore(path);
    expect((await again.all()).map((r) => r.prompt)).toEqual(['pa', 'pb', 'pc']);
    await again.close();
  });
});

describe('parseCaptured', () => {
  it('reassembles an SSE answer with usage', () => {
    const sse = [
      'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}',
      'data: {"choices":[{"delta":{"content":"The answer"}}]}',
      'data: {"choices":[{"delta":{"content":" is (B)."}}],"usage":{"prompt_tokens":5,"completion_tokens":4}}',
      'data: [DONE]',
      '',
    ].join('\n\n');
    expect(parseCaptured(Buffer.from(sse), 'text/event-stream')).toEqual({ output: 'The answer is (B).', promptTokens: 5, completionTokens: 4 });
  });
  it('reads a JSON completion and refuses garbage', () => {
    const json = JSON.stringify({ choices: [{ message: { content: 'hi' } }] });
    expect(parseCaptured(Buffer.from(json), 'application/json')).toEqual({ output: 'hi' });
    expect(parseCaptured(Buffer.from('nope'), 'application/json')).toBeUndefined();
  });

  it("keeps a budget window's spend across reopening, one row per window", async () => {
    const path = join(dir, 'spend.db');
    const at = '2026-12-01T10:00:00.000Z';
    const s = new SqliteStore(path);
    expect(await s.addSpend({ window: 'day:2026-12-01', usd: 0, requests: 0, at })).toEqual({ usd: 0, requests: 0, firstAt: at });
    await s.addSpend({ window: 'day:2026-12-01', usd: 0.25, requests: 2, at });
    await s.close();
    const again = new SqliteStore(path);
    const later = '2026-12-01T11:00:00.000Z';
    expect(await again.addSpend({ window: 'day:2026-12-01', usd: 0.5, requests: 1, at: later })).toEqual({ usd: 0.75, requests: 3, firstAt: at });
    expect(await again.addSpend({ window: 'day:2026-12-02', usd: 0, requests: 0, at: later })).toEqual({ usd: 0, requests: 0, firstAt: later });
    await again.close();
  });
});
