import { describe, expect, it } from '@jest/globals';
import { GW, POOL_KEY, setupPoolController as setup } from '../../test/support/modelpool-harness.js';
import { GATEWAY_PREFIX, type ModelPoolObject } from './modelpool.js';

/**
 * A new pool waiting only for its gateway's shared objects: its Pending status is left unwritten until it falls due
 * (pendingStatusDelayMs), so a pool the gateway completes before then gets one status write (Ready); once due, the
 * pool is queued and its next reconcile writes Pending.
 */

const statusWrites = (writes: string[]) => writes.filter((w) => w === 'PUT modelpools/chat').length;
const readyReason = (t: ReturnType<typeof setup>) =>
  (t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).status?.conditions?.find((c) => c.type === 'Ready')?.reason;

describe('ModelPool Pending status of a new pool', () => {
  it('is not written when the gateway completes the pool before it falls due: one status write, Ready', async () => {
    const t = setup({ pendingStatusDelayMs: 60_000 });
    await t.controller.reconcile(POOL_KEY);
    expect(statusWrites(t.server.writes)).toBe(0);
    expect(readyReason(t)).toBeUndefined();
    expect(t.queue.has(GATEWAY_PREFIX + GW)).toBe(true);
    await t.settle([]);
    expect(t.ready()).toBe('True');
    expect(statusWrites(t.server.writes)).toBe(1);
  });

  it('is written by the reconcile queued once it falls due', async () => {
    const t = setup({ pendingStatusDelayMs: 1 });
    await t.controller.reconcile(POOL_KEY);
    expect(statusWrites(t.server.writes)).toBe(0);
    t.queue.clear(); // the gateway is not run: the pool stays waiting
    await new Promise((r) => setTimeout(r, 50));
    expect([...t.queue]).toEqual([POOL_KEY]);
    await t.controller.reconcile(POOL_KEY);
    expect(readyReason(t)).toBe('Pending');
    expect(statusWrites(t.server.writes)).toBe(1);
  });

  it('is written at once when the delay is 0', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.controller.reconcile(POOL_KEY);
    expect(readyReason(t)).toBe('Pending');
  });
});
