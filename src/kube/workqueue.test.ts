import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { backoffDelay, WorkQueue } from './workqueue.js';

afterEach(() => {
  jest.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles from the base and caps at the max, without jitter', () => {
    const opts = { baseDelayMs: 10, maxDelayMs: 100, jitter: 0 };
    expect([0, 1, 2, 3, 4, 50, 5000].map((n) => backoffDelay(n, opts))).toEqual([10, 20, 40, 80, 100, 100, 100]);
  });

  it('adds at most `jitter` of the delay and never exceeds the max', () => {
    expect(backoffDelay(1, { baseDelayMs: 10, maxDelayMs: 1000, jitter: 0.5, random: () => 0.999 })).toBeCloseTo(29.99, 1);
    expect(backoffDelay(1, { baseDelayMs: 10, maxDelayMs: 1000, jitter: 0.5, random: () => 0 })).toBe(20);
    expect(backoffDelay(10, { baseDelayMs: 10, maxDelayMs: 1000, jitter: 0.5, random: () => 0.999 })).toBe(1000);
  });
});

describe('WorkQueue', () => {
  it('dedupes a key added many times', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands one key to two workers: re-add while processing is deferred until done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    expect(q.len()).toBe(0); // held back while in flight
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('hands out low-priority keys (resync re-checks) after every normal key, and a normal add promotes a waiting one', async () => {
    const q = new WorkQueue();
    q.add('r1', 'low');
    q.add('r2', 'low');
    q.add('r3', 'low');
    q.add('new');
    q.add('r3'); // a change arrived for a key waiting as a re-check
    q.add('new', 'low'); // a re-check of a key already waiting stays normal
    expect(q.len()).toBe(4);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await q.get())!);
    expect(order).toEqual(['new', 'r3', 'r1', 'r2']);
  });

  it('a key re-added while in flight keeps the priority of its adds: low unless a normal add came too', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    expect(await q.get()).toBe('a');
    q.add('a', 'low');
    q.done('a');
    q.add('c');
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['b', 'c', 'a']);
    q.add('d');
    expect(await q.get()).toBe('d');
    q.add('d', 'low');
    q.add('d');
    q.add('e');
    q.done('d');
    expect([await q.get(), await q.get()]).toEqual(['e', 'd']);
  });

  it('wakes a waiting worker on add', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('x');
    await expect(p).resolves.toBe('x');
  });

  it('addAfter queues after the delay and keeps the earliest deadline per key', () => {
    jest.useFakeTimers();
    const q = new WorkQueue();
    q.addAfter('a', 1000);
    q.addAfter('a', 5000); // later deadline ignored
    q.addAfter('a', 200); // earlier deadline wins
    jest.advanceTimersByTime(199);
    expect(q.len()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(q.len()).toBe(1); // no second add from the discarded timers
  });

  it('addRateLimited backs off exponentially per key and forget resets it', () => {
    jest.useFakeTimers();
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 1000, jitter: 0 });
    expect(q.addRateLimited('a')).toBe(10);
    expect(q.addRateLimited('a')).toBe(20);
    expect(q.addRateLimited('a')).toBe(40);
    expect(q.addRateLimited('b')).toBe(10); // independent per key
    expect(q.numRequeues('a')).toBe(3);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(q.addRateLimited('a')).toBe(10);
  });

  it('run() bounds concurrency and never runs one key twice at once', async () => {
    const q = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    const active = new Set<string>();
    let overlap = false;
    const seen: string[] = [];
    const handler = async (key: string): Promise<void> => {
      if (active.has(key)) overlap = true;
      active.add(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.push(key);
      await new Promise((r) => setImmediate(r));
      if (key === 'k0' && seen.filter((k) => k === 'k0').length === 1) q.add('k0'); // re-add while processing
      running--;
      active.delete(key);
    };
    const done = q.run(3, handler);
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    const deadline = Date.now() + 5000;
    while (seen.length < 11 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await q.shutdown();
    await done;
    expect(maxRunning).toBe(3);
    expect(overlap).toBe(false);
    expect(seen.filter((k) => k === 'k0')).toHaveLength(2);
  });

  it('shutdown waits for in-flight work, drops the backlog and cancels delayed adds', async () => {
    jest.useFakeTimers();
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    const key = await q.get();
    let drained = false;
    const s = q.shutdown().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(await q.get()).toBeUndefined();
    q.add('d'); // ignored after shutdown
    expect(q.len()).toBe(0);
    q.done(key!);
    await s;
    expect(drained).toBe(true);
    jest.advanceTimersByTime(1000);
    expect(q.len()).toBe(0);
  });

  it('a throwing handler does not kill the worker', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    const done = q.run(1, (k) => {
      seen.push(k);
      return k === 'bad' ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    q.add('bad');
    q.add('good');
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await q.shutdown();
    await done;
    expect(seen).toEqual(['bad', 'good']);
  });
});
